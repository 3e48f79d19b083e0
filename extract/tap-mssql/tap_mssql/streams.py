"""Singer streams: one per SQL Server table, plus the ``_source_audit`` stream."""

from __future__ import annotations

import time
import typing as t
from collections.abc import Iterable, Iterator

from singer_sdk import Stream
from singer_sdk import singerlib as singer
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_mssql.audit import AUDIT_KEY, AUDIT_SCHEMA, TableResult, utc_now
from tap_mssql.connection import one_line
from tap_mssql.discovery import AUDIT_STREAM_NAME, SourceObject
from tap_mssql.encode import RowEncoder
from tap_mssql.errors import MSSQLError
from tap_mssql.plan import TablePlan
from tap_mssql.sdk_compat import AnnotatedSchema

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_mssql.tap import TapMSSQL

PROGRESS_EVERY = 100_000
SNAPSHOT_BEGIN = "SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION"
SNAPSHOT_END = "COMMIT TRANSACTION; SET TRANSACTION ISOLATION LEVEL READ COMMITTED"


class MSSQLStream(Stream):
    """Full-table copy of one SQL Server table, in primary-key order."""

    #: Records are JSON-ready by construction (RowEncoder); Decimal stays exact.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: TapMSSQL, obj: SourceObject, plan: TablePlan) -> None:
        """Create the stream of ``obj``."""
        self.source_object = obj
        self.plan = plan
        self._mssql_tap = tap
        super().__init__(tap, schema=plan.schema(), name=obj.stream_name)

    @property
    def primary_keys(self) -> t.Sequence[str]:
        """The table's primary key (else a NOT NULL unique key), in key order."""
        return self.plan.key_properties

    @primary_keys.setter
    def primary_keys(self, new_value: t.Sequence[str]) -> None:
        """Ignored: the key is decided by the source table."""

    def apply_catalog(self, catalog: singer.Catalog) -> None:
        """Take selection from the catalog; keep the fresh schema and key (full table)."""
        super().apply_catalog(catalog)
        self._input_schema = None
        self.replication_key = None
        self.forced_replication_method = None

    @property
    def _singer_catalog_entry(self) -> singer.CatalogEntry:
        """Catalog entry whose schema keeps the ``x-mssql-*`` annotations."""
        entry = super()._singer_catalog_entry
        entry.schema = AnnotatedSchema.wrap(self.schema)
        return entry

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Count, then stream the rows ``batch_size`` at a time (memory stays flat)."""
        tap = self._mssql_tap
        plan = self.plan
        names = [c.name for c in plan.columns]
        encoder = RowEncoder(
            plan.table.qualified,
            names,
            [c.mapping for c in plan.columns if c.mapping is not None],
            plan.key_properties,
        )
        result = TableResult(started_at=utc_now(), deselected_columns=self._deselected(names))
        tap.audit.results[self.name] = result
        started = time.monotonic()
        emitted = 0
        try:
            for row in self._read(result):
                yield encoder(row)
                emitted += 1
                if emitted % PROGRESS_EVERY == 0:
                    elapsed = max(time.monotonic() - started, 1e-9)
                    self.logger.info(
                        "%r: %d rows so far (%.0f rows/s)", self.name, emitted, emitted / elapsed
                    )
            result.completed = True
        finally:
            result.emitted_row_count = emitted
            result.finished_at = utc_now()
            result.nul_chars = dict(encoder.nul_chars)
            self._log_end(result, encoder, started)

    def _deselected(self, names: list[str]) -> list[str]:
        return [name for name in names if not self.mask.get(("properties", name), True)]

    def _read(self, result: TableResult) -> Iterator[tuple[t.Any, ...]]:
        """Rows of the table; count and rows from one snapshot when the database allows."""
        tap = self._mssql_tap
        plan = self.plan
        snapshot = tap.database.snapshot_allowed
        cursor = tap.connection.cursor()
        batch_size = int(self.config.get("batch_size") or 10_000)
        done = False
        try:
            if snapshot:
                cursor.execute(SNAPSHOT_BEGIN)
            cursor.execute(plan.count_sql())
            result.source_row_count = int(cursor.fetchone()[0])
            result.consistent_count = snapshot
            self.logger.info(
                "Reading table %r: %d rows (%s), order by %s, batches of %d",
                plan.table.qualified,
                result.source_row_count,
                "snapshot" if snapshot else "count before read",
                ", ".join(plan.order_by) or "(none)",
                batch_size,
            )
            cursor.execute(plan.select_sql())
            while rows := cursor.fetchmany(batch_size):
                yield from rows
            done = True
        except tap.driver_errors as exc:
            msg = f"cannot read table {plan.table.qualified!r}: {one_line(exc)}"
            raise MSSQLError(msg) from exc
        finally:
            self._end_read(cursor, snapshot=snapshot, done=done)

    def _end_read(self, cursor: t.Any, *, snapshot: bool, done: bool) -> None:
        connection = self._mssql_tap.connection
        try:
            if not done:
                connection._conn.cancel()  # pending rows of an abandoned read
            if snapshot:
                cursor.execute(SNAPSHOT_END)
        except self._mssql_tap.driver_errors as exc:
            self.logger.warning("%r: could not end the read cleanly: %s", self.name, one_line(exc))

    def _log_end(self, result: TableResult, encoder: RowEncoder, started: float) -> None:
        seconds = max(time.monotonic() - started, 1e-9)
        emitted = result.emitted_row_count
        if not result.completed:
            self.logger.warning(
                "%r: read stopped after %d of %s rows", self.name, emitted, result.source_row_count
            )
            return
        self.logger.info(
            "%r: done, %d rows in %.2f s (%.0f rows/s)",
            self.name,
            emitted,
            seconds,
            emitted / seconds,
        )
        if encoder.nul_char_total:
            self.logger.warning(
                "%r: %d text values contain NUL characters: %s",
                self.name,
                encoder.nul_char_total,
                {name: n for name, n in encoder.nul_chars.items() if n},
            )
        if result.mismatch:
            self.logger.error(
                "Row count self-check failed for %r: source has %s rows, %d emitted%s",
                self.plan.table.qualified,
                result.source_row_count,
                emitted,
                "" if result.consistent_count else " (the table changed during the read?)",
            )


class AuditStream(Stream):
    """``_source_audit``: one record per table and view; synced last."""

    name = AUDIT_STREAM_NAME

    def __init__(self, tap: TapMSSQL) -> None:
        """Create the audit stream of ``tap``."""
        self._mssql_tap = tap
        super().__init__(tap, schema=AUDIT_SCHEMA, name=AUDIT_STREAM_NAME)

    @property
    def primary_keys(self) -> t.Sequence[str]:
        """Keyed by stream name."""
        return AUDIT_KEY

    @primary_keys.setter
    def primary_keys(self, new_value: t.Sequence[str]) -> None:
        """Ignored: the audit stream is always keyed by ``table_name``."""

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """One record per table and view, in schema/name order."""
        tap = self._mssql_tap
        streams = tap.streams
        for obj in tap.source_objects:
            stream = streams.get(obj.stream_name)
            selected = stream is not None and stream.selected
            yield tap.audit.record(obj, tap.plans.get(obj.stream_name), selected=selected)
