"""meltanolabs-tap-postgres 0.10.0 as the project runs it: the same tap, three additions.

1. A `_source_audit` stream, synced last, one record per discovered table or view: what
   was selected, the source's row count when the read started, the records emitted, when.
   The cutover commands (capture, gate, reconciliation) read it as they read the other
   taps' audit streams.
2. A guard against rows hidden by row-level security: a login that neither is a superuser
   nor has BYPASSRLS reads only the rows its policies show, silently. The run stops before
   any record, naming the tables and the fix.
3. ACTIVATE_VERSION messages for every full-table stream, so the loader marks rows the
   source no longer has as deleted (`_sdc_deleted_at`) on a rerun instead of keeping them.
4. BATCH files in parquet typed from the stream's schema (extract/singer-batches) when
   `batch_config` asks for parquet, instead of the SDK's batcher, whose types Arrow guesses
   per file from the values; target-postgres COPYs them without per-record Python.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from singer_sdk import Stream
from tap_postgres.client import PostgresLogBasedStream, PostgresStream
from tap_postgres.tap import TapPostgres

AUDIT_STREAM_NAME = "_source_audit"
_STRING = {"type": ["string", "null"]}
_INTEGER = {"type": ["integer", "null"]}
_BOOLEAN = {"type": ["boolean", "null"]}
AUDIT_SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "properties": {
        "table_name": {"type": ["string"]},
        "source_schema": _STRING,
        "source_table": _STRING,
        "object_type": _STRING,
        "status": _STRING,
        "source_row_count": _INTEGER,
        "emitted_row_count": _INTEGER,
        "consistent_count": _BOOLEAN,
        "source_column_count": _INTEGER,
        "primary_key": _STRING,
        "columns": _STRING,
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "source_path": _STRING,
        "source_size_bytes": _INTEGER,
        "server_version": _STRING,
    },
}

# (3): the SDK emits ACTIVATE_VERSION only when this reads True; the tap has no setting.
PostgresStream.emit_activate_version_messages = property(lambda self: True)  # type: ignore[assignment,method-assign]
_sdk_get_batches = PostgresStream.get_batches


def _parquet_batches(
    self: PostgresStream, batch_config: t.Any, context: t.Any = None
) -> Iterable[tuple[t.Any, list[str]]]:
    if batch_config.encoding.format != "parquet":
        yield from _sdk_get_batches(self, batch_config, context)
        return
    from singer_batches import record_batches, sdk_records  # pyarrow: batch runs only

    yield from record_batches(self, batch_config, sdk_records(self, context), 10_000)


PostgresStream.get_batches = _parquet_batches  # type: ignore[method-assign]


def utc_now() -> str:
    return dt.datetime.now(tz=dt.UTC).isoformat()


@dataclass
class StreamRead:
    started_at: str
    source_row_count: int | None
    emitted_row_count: int = 0
    finished_at: str | None = None


@dataclass
class Audit:
    reads: dict[str, StreamRead] = field(default_factory=dict)


def table_name(stream_name: str) -> str:
    """The raw table the loader writes `<schema>-<table>` into: `<table>`."""
    return stream_name.split("-", 1)[-1]


class AuditStream(Stream):
    """`_source_audit`: one record per discovered stream; synced last."""

    name = AUDIT_STREAM_NAME
    primary_keys: t.ClassVar[list[str]] = ["table_name"]  # type: ignore[misc]

    def __init__(self, tap: CutoverTapPostgres) -> None:
        self._cutover_tap = tap
        super().__init__(tap, schema=AUDIT_SCHEMA, name=AUDIT_STREAM_NAME)

    @property
    def emit_activate_version_messages(self) -> bool:  # type: ignore[override]
        return True

    @property
    def selected(self) -> bool:  # type: ignore[override]
        """Always: the proof needs it whatever a `select:` pattern says."""
        return True

    def apply_catalog(self, catalog: t.Any) -> None:
        """Ignored: every field of the audit is always emitted, whatever is selected."""

    def get_batch_config(self, config: t.Mapping[str, t.Any]) -> None:
        """Always records: a handful of rows, written after every table is read."""
        del config

    def get_records(self, context: t.Any) -> Iterable[dict[str, t.Any]]:
        tap = self._cutover_tap
        where = tap.source_label()
        for stream in tap.table_streams():
            entry = stream.catalog_entry if hasattr(stream, "catalog_entry") else {}
            schema_name, _, relation = stream.fully_qualified_name.rpartition(".")
            read = tap.audit.reads.get(stream.name)
            is_view = any(m.get("metadata", {}).get("is-view") for m in entry.get("metadata", []))
            yield {
                "table_name": table_name(stream.name),
                "source_schema": schema_name.split(".")[-1] or None,
                "source_table": relation,
                "object_type": "view" if is_view else "table",
                "status": "extracted" if stream.selected else "deselected",
                "source_row_count": read.source_row_count if read else None,
                "emitted_row_count": read.emitted_row_count if read else None,
                "consistent_count": False,
                "source_column_count": len(stream.schema.get("properties", {})),
                "primary_key": json.dumps(list(stream.primary_keys or [])),
                "columns": json.dumps(list(stream.schema.get("properties", {}))),
                "started_at": read.started_at if read else None,
                "finished_at": read.finished_at if read else None,
                "source_path": where,
                "source_size_bytes": None,  # a live server's size moves without data changes
                "server_version": tap.server_version(),
            }


class CutoverTapPostgres(TapPostgres):
    """TapPostgres with the `_source_audit` stream and the row-security guard."""

    name = "tap-postgres"

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self.audit = Audit()
        super().__init__(*args, **kwargs)

    @property
    def catalog_dict(self) -> dict:  # type: ignore[type-arg]
        """The tap's catalog with the `_source_audit` entry last."""
        catalog = super().catalog_dict
        if not any(s["tap_stream_id"] == AUDIT_STREAM_NAME for s in catalog["streams"]):
            entry = AuditStream(self)._singer_catalog_entry.to_dict()
            catalog["streams"].append(entry)
        return catalog

    def discover_streams(self) -> list[Stream]:  # type: ignore[override]
        # TapPostgres.discover_streams, minus the audit entry (not a table of the source).
        connector = self.connector
        streams: list[Stream] = []
        for entry in self.catalog_dict["streams"]:
            if entry["tap_stream_id"] == AUDIT_STREAM_NAME:
                continue
            if entry["replication_method"] == "LOG_BASED":
                streams.append(
                    PostgresLogBasedStream(
                        self,
                        entry,
                        connection_parameters=self.connection_parameters,
                        connector=connector,
                    )
                )
            else:
                streams.append(PostgresStream(self, entry, connector=connector))
        for stream in streams:
            _count_records(stream, self)
        return [*streams, AuditStream(self)]

    def load_streams(self) -> list[Stream]:
        """The SDK orders streams by name (`_source_audit` first): the audit goes last."""
        streams = super().load_streams()
        return sorted(streams, key=lambda s: s.name == AUDIT_STREAM_NAME)

    def table_streams(self) -> list[Stream]:
        return [s for s in self.streams.values() if s.name != AUDIT_STREAM_NAME]

    def sync_all(self) -> None:
        self.check_row_security()
        super().sync_all()

    def _scalar(self, query: str, **params: t.Any) -> t.Any:
        with self.connector._connect() as conn:
            return conn.execute(sa.text(query), params).scalar()

    def source_label(self) -> str:
        url = self.connector.sqlalchemy_url
        parsed = sa.engine.make_url(url)
        port = parsed.port or 5432
        return f"postgresql://{parsed.username}@{parsed.host}:{port}/{parsed.database}"

    def server_version(self) -> str:
        if not hasattr(self, "_server_version"):
            self._server_version = str(self._scalar("select current_setting('server_version')"))
        return self._server_version

    def check_row_security(self) -> None:
        """Stop before any record when a selected table's policies would filter this login."""
        selected = [
            s.fully_qualified_name.split(".")[-2:] for s in self.table_streams() if s.selected
        ]
        if not selected or self._scalar(
            "select rolsuper or rolbypassrls from pg_roles where rolname = current_user"
        ):
            return
        with self.connector._connect() as conn:
            rows = conn.execute(
                sa.text(
                    "select n.nspname, c.relname from pg_class c "
                    "join pg_namespace n on n.oid = c.relnamespace "
                    "where c.relrowsecurity and (c.relforcerowsecurity "
                    "or not pg_has_role(c.relowner, 'USAGE'))"
                )
            ).fetchall()
        filtered = sorted(f"{s}.{r}" for s, r in rows if [s, r] in selected)
        if filtered:
            user = self._scalar("select current_user")
            message = (
                f"row-level security would hide rows of {', '.join(filtered)} from login "
                f"{user!r}, and the copy would silently miss them: extract as a role with "
                f'BYPASSRLS (ALTER ROLE "{user}" BYPASSRLS) or as a superuser'
            )
            self.logger.error(message)
            raise SystemExit(message)  # one line on stderr, exit status 1


def _count_records(stream: Stream, tap: CutoverTapPostgres) -> None:
    """Count what the stream emits, and the source's rows just before its read."""
    read_rows = stream.get_records

    def counted(context: t.Any) -> Iterable[dict[str, t.Any]]:
        schema_name, relation = stream.fully_qualified_name.split(".")[-2:]
        count = tap._scalar(
            f'select count(*) from "{schema_name.replace(chr(34), chr(34) * 2)}".'
            f'"{relation.replace(chr(34), chr(34) * 2)}"'
        )
        read = StreamRead(utc_now(), int(count))
        tap.audit.reads[stream.name] = read
        for record in read_rows(context):
            read.emitted_row_count += 1
            yield record
        read.finished_at = utc_now()

    stream.get_records = counted  # type: ignore[method-assign]


def main() -> None:
    CutoverTapPostgres.cli()
