"""The ``tap-msaccess`` Singer tap."""

from __future__ import annotations

import json
import typing as t

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import (
    EMIT_ACTIVATE_VERSION_CONFIG,
    PluginCapabilities,
    TapCapabilities,
)

from tap_msaccess import snapshot
from tap_msaccess.audit import AuditLog
from tap_msaccess.discovery import (
    AUDIT_STREAM_NAME,
    SourceObject,
    apply_config_filters,
    apply_unsupported_policy,
    list_objects,
    unsupported_problem,
)
from tap_msaccess.errors import AccessError, UnsupportedDataError
from tap_msaccess.reader import DEFAULT_JET3_CHARSET, DatabaseSchema, read_schema
from tap_msaccess.streams import AccessStream, AuditStream

if t.TYPE_CHECKING:
    from singer_sdk.singerlib import Catalog


def _config_schema() -> dict[str, t.Any]:
    schema = th.PropertiesList(
        th.Property(
            "database",
            th.StringType,
            required=True,
            title="Database",
            description="Path to the .mdb/.accdb file (read, never written).",
        ),
        th.Property(
            "password",
            th.StringType,
            secret=True,
            title="Password",
            description="Password of an encrypted file (ACE/Office encryption, Jet RC4). "
            "A Jet 4 'database password' is not needed to read the file.",
        ),
        th.Property(
            "jet3_charset",
            th.StringType,
            title="Jet 3 code page",
            description="Code page of Jet 3 (Access 97) text: cp1252 (default), GBK, "
            "CP949, cp1251... (a Python codec name). Ignored for Jet 4 / ACE (UTF-16).",
        ),
        th.Property(
            "tables",
            th.ArrayType(th.StringType),
            title="Tables",
            description="Only these tables (fnmatch globs on the table or stream name).",
        ),
        th.Property(
            "exclude_tables",
            th.ArrayType(th.StringType),
            title="Exclude tables",
            description="Tables to leave out (fnmatch globs).",
        ),
        th.Property(
            "batch_size",
            th.IntegerType(minimum=1),
            default=10_000,
            title="Batch size",
            description="Rows read per batch by the Node reader.",
        ),
        th.Property(
            "calculated_columns",
            th.StringType(allowed_values=["fail", "omit"]),
            default="fail",
            title="Calculated columns",
            description="fail: refuse to sync a table with a calculated column (the reader "
            "cannot evaluate it); omit: leave such columns out (reported in the audit).",
        ),
        th.Property(
            "on_unsupported",
            th.StringType(allowed_values=["fail", "skip"]),
            default="fail",
            title="On unsupported data",
            description="fail: a selected table that cannot be copied faithfully stops the "
            "run before any record; skip: leave it out, reported 'skipped' in the audit.",
        ),
    ).to_dict()
    schema["properties"].update(EMIT_ACTIVATE_VERSION_CONFIG["properties"])
    return schema


class TapMSAccess(Tap):
    """Copy every table of an MS Access file, faithfully, as Singer streams."""

    name = "tap-msaccess"
    dynamic_catalog = True
    config_jsonschema: t.ClassVar[dict] = _config_schema()
    capabilities: t.ClassVar[list] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        TapCapabilities.ACTIVATE_VERSION,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.BATCH,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the tap; the file is read on first discovery."""
        self._access_schema: DatabaseSchema | None = None
        self._audit: AuditLog | None = None
        self.source_objects: list[SourceObject] = []
        super().__init__(*args, **kwargs)

    @property
    def access_schema(self) -> DatabaseSchema:
        """What :func:`tap_msaccess.reader.read_schema` found in the file."""
        if self._access_schema is None:
            self._access_schema = read_schema(
                self.config["database"],
                password=self.config.get("password") or None,
                jet3_charset=self.config.get("jet3_charset") or DEFAULT_JET3_CHARSET,
            )
            self._log_schema(self._access_schema)
        return self._access_schema

    def _log_schema(self, schema: DatabaseSchema) -> None:
        self.logger.info(
            "Opened %s (%s): %d tables, %d relationships, %d linked tables, %d saved queries",
            schema.path,
            schema.format,
            len(schema.tables),
            len(schema.relationships),
            len(schema.linked_tables),
            len(schema.queries),
        )
        if snapshot.is_snapshot(schema.path):
            self.logger.info(
                "%s is a tap-msaccess snapshot: values and keys as recorded from the file",
                schema.path.name,
            )
        if schema.keys_source != "mdbtools":
            self.logger.warning(
                "Primary keys and unique indexes are unknown (%s): streams have no key_properties",
                schema.keys_source,
            )
        if schema.password_protected and not schema.encrypted:
            self.logger.info("The file has a database password; it is not needed to read it")
        if schema.format == "Jet3":
            self.logger.info("Jet 3 text is decoded as %s", schema.jet3_charset)

    @property
    def audit(self) -> AuditLog:
        """The run's audit log (one run_id per tap run)."""
        if self._audit is None:
            self._audit = AuditLog(schema=self.access_schema)
        return self._audit

    @property
    def catalog(self) -> Catalog:
        """The working catalog: fresh schemas, selection from the input catalog."""
        if self._catalog is None:
            self._catalog = self._singer_catalog
        return self._catalog

    @property
    def streams(self) -> dict[str, Stream]:
        """Discovered streams, with ``_source_audit`` always last."""
        streams = super().streams
        if AUDIT_STREAM_NAME in streams and list(streams)[-1] != AUDIT_STREAM_NAME:
            streams[AUDIT_STREAM_NAME] = streams.pop(AUDIT_STREAM_NAME)
        return streams

    def discover_streams(self) -> list[Stream]:
        """One stream per user table (unless skipped or deselected), then the audit."""
        objects = list_objects(self.access_schema)
        unmatched = apply_config_filters(
            objects,
            tables=self.config.get("tables"),
            exclude_tables=self.config.get("exclude_tables"),
        )
        for pattern in unmatched:
            self.logger.warning("'tables' pattern %r matches no table", pattern)
        apply_unsupported_policy(
            objects,
            calculated_columns=self.config.get("calculated_columns") or "fail",
            on_unsupported=self.config.get("on_unsupported") or "fail",
        )
        streams: list[Stream] = []
        for obj in objects:
            if obj.streamed and obj.table is not None:
                streams.append(AccessStream(self, obj))
            elif obj.skip_reason and obj.object_type == "table":
                self.logger.warning("Skipping table %r: %s", obj.name, obj.skip_reason)
            if obj.omitted_columns:
                self.logger.warning(
                    "Table %r: omitting calculated columns %s",
                    obj.name,
                    sorted(obj.omitted_columns),
                )
        self.source_objects = objects
        streams.append(AuditStream(self))
        return streams

    def check_selected(self) -> None:
        """Refuse to start if a selected table cannot be copied faithfully.

        Raises:
            UnsupportedDataError: naming every such table and column.
        """
        problems = []
        for stream in self.streams.values():
            if isinstance(stream, AccessStream) and stream.selected:
                obj = stream.source_object
                assert obj.table is not None
                problem = unsupported_problem(obj.table, set(obj.omitted_columns or {}))
                if problem:
                    problems.append(problem)
        if problems:
            msg = "; ".join(problems)
            if len(problems) > 1:
                msg = f"{len(problems)} tables cannot be copied faithfully: {msg}"
            raise UnsupportedDataError(msg)

    def sync_all(self) -> None:
        """Check every selected table first (nothing is emitted if one is unreadable)."""
        self.check_selected()
        super().sync_all()

    def check_row_counts(self) -> None:
        """Raise if any stream emitted another number of rows than the reader counted."""
        mismatches = self.audit.mismatches
        if mismatches:
            details = ", ".join(
                f"{name} (source {res.source_row_count}, emitted {res.emitted_row_count})"
                for name, res in sorted(mismatches.items())
            )
            msg = f"row count self-check failed: {details}"
            raise AccessError(msg)

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: t.Any = None,
        state: t.IO[str] | None = None,
        catalog: t.IO[str] | None = None,
    ) -> None:
        """Run a sync (as ``Tap.invoke``), then the row-count self-check."""
        super(Tap, cls).invoke(about=about, about_format=about_format)
        cls.print_version(print_fn=cls.logger.info)
        tap = cls(
            config=config.config if config is not None else {},
            state=None if state is None else json.load(state),
            catalog=None if catalog is None else json.load(catalog),
            parse_env_config=config.parse_env if config is not None else False,
            validate_config=True,
        )
        tap.sync_all()
        tap.check_row_counts()
