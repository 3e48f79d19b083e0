"""The ``tap-sqlite`` Singer tap."""

from __future__ import annotations

import json
import sqlite3
import typing as t

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import (
    EMIT_ACTIVATE_VERSION_CONFIG,
    PluginCapabilities,
    TapCapabilities,
)

from tap_sqlite.audit import AuditLog
from tap_sqlite.discovery import (
    AUDIT_STREAM_NAME,
    SourceObject,
    apply_config_filters,
    describe,
    list_objects,
)
from tap_sqlite.profile_cache import ProfileCache
from tap_sqlite.schema import TablePlan, plan_table, profile_columns
from tap_sqlite.source import SourceDatabase, SourceError
from tap_sqlite.streams import AuditStream, SQLiteStream

if t.TYPE_CHECKING:
    from singer_sdk.singerlib import Catalog


def _config_schema() -> dict[str, t.Any]:
    schema = th.PropertiesList(
        th.Property(
            "database",
            th.StringType,
            required=True,
            title="Database",
            description="Path to the SQLite file (opened read-only, never written).",
        ),
        th.Property(
            "tables",
            th.ArrayType(th.StringType),
            title="Tables",
            description="Only these tables/views (fnmatch globs on the table name "
            "or the stream name). Default: all.",
        ),
        th.Property(
            "exclude_tables",
            th.ArrayType(th.StringType),
            title="Exclude tables",
            description="Tables/views to leave out (fnmatch globs).",
        ),
        th.Property(
            "include_views",
            th.BooleanType,
            default=True,
            title="Include views",
            description="Stream views too (no key, unordered).",
        ),
        th.Property(
            "include_virtual_tables",
            th.BooleanType,
            default=False,
            title="Include virtual tables",
            description="Stream virtual tables (FTS...) if readable. By default "
            "they are reported as skipped: their content is in shadow tables.",
        ),
        th.Property(
            "batch_size",
            th.IntegerType(minimum=1),
            default=10_000,
            title="Batch size",
            description="Rows fetched per fetchmany() call.",
        ),
        th.Property(
            "profile_reuse_seconds",
            th.IntegerType(minimum=0),
            default=300,
            title="Profile reuse (seconds)",
            description="Reuse a table's profile scan this recent when the file is "
            "unchanged (Meltano's discovery, then the sync); 0 scans at every start.",
        ),
    ).to_dict()
    schema["properties"].update(EMIT_ACTIVATE_VERSION_CONFIG["properties"])
    return schema


class TapSQLite(Tap):
    """Copy every table and view of a SQLite file, faithfully, as Singer streams."""

    name = "tap-sqlite"
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
        """Create the tap; the database is opened on first discovery."""
        self._source: SourceDatabase | None = None
        self._audit: AuditLog | None = None
        self.source_objects: list[SourceObject] = []
        self.plans: dict[str, TablePlan] = {}
        self._profiles: ProfileCache | None = None
        super().__init__(*args, **kwargs)

    @property
    def source(self) -> SourceDatabase:
        """The open source database (opened on first use)."""
        if self._source is None:
            self._source = SourceDatabase(self.config["database"])
        return self._source

    @property
    def audit(self) -> AuditLog:
        """The run's audit log (one run_id per tap run)."""
        if self._audit is None:
            self._audit = AuditLog(source=self.source.info)
        return self._audit

    def close(self) -> None:
        """Close the source and remove any private copy."""
        if self._source is not None:
            self._source.close()

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
        """One stream per readable table/view, then the audit stream."""
        connection = self.source.connection
        objects = list_objects(connection)
        unmatched = apply_config_filters(
            objects,
            tables=self.config.get("tables"),
            exclude_tables=self.config.get("exclude_tables"),
            include_views=self.config.get("include_views", True),
            include_virtual_tables=self.config.get("include_virtual_tables", False),
        )
        for pattern in unmatched:
            self.logger.warning("'tables' pattern %r matches no table or view", pattern)
        streams: list[Stream] = []
        for obj in objects:
            if obj.streamed:
                describe(connection, obj)
            if obj.streamed:
                plan = self._plan(connection, obj)
                if plan is not None:
                    self.plans[obj.stream_name] = plan
                    streams.append(SQLiteStream(self, obj, plan))
            if obj.skip_reason:
                self.logger.warning("Skipping %r: %s", obj.name, obj.skip_reason)
        self.source_objects = objects
        streams.append(AuditStream(self))
        return streams

    def _plan(self, connection: sqlite3.Connection, obj: SourceObject) -> TablePlan | None:
        if self._profiles is None:
            seconds = self.config.get("profile_reuse_seconds", 300)
            self._profiles = ProfileCache(self.source.path, float(seconds))
        reused = self._profiles.get(obj)
        if reused is not None:
            row_count, profiles = reused
            self.logger.info("%r: profile reused (file unchanged since it was scanned)", obj.name)
        else:
            try:
                row_count, profiles = profile_columns(connection, obj, self.source.reader_uri)
            except sqlite3.Error as exc:
                obj.skip_reason = f"{obj.label} is not readable: {exc}"
                return None
            self._profiles.put(obj, row_count, profiles)
        plan = plan_table(obj, row_count, profiles)
        if plan.rowid_key and obj.declared_key:
            self.logger.warning(
                "%r: primary key %s holds NULLs; keyed by its rowid instead",
                obj.name,
                obj.declared_key,
            )
        elif not plan.key_properties and obj.object_type != "view":
            self.logger.warning("%r: no key and no rowid: no key, unordered", obj.name)
        return plan

    def check_row_counts(self) -> None:
        """Raise if any stream emitted another number of rows than it counted."""
        mismatches = self.audit.mismatches
        if mismatches:
            details = ", ".join(
                f"{name} (source {res.source_row_count}, emitted {res.emitted_row_count})"
                for name, res in sorted(mismatches.items())
            )
            msg = f"row count self-check failed: {details}"
            raise SourceError(msg)

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
        try:
            tap.sync_all()
            tap.check_row_counts()
        finally:
            tap.close()
