"""Singer streams: one per readable table/view, plus the ``_source_audit`` stream."""

from __future__ import annotations

import logging
import sqlite3
import time
import typing as t
from collections.abc import Iterable, Iterator, Sequence

from singer_sdk import Stream
from singer_sdk import singerlib as singer
from singer_sdk.helpers._batch import BatchFileFormat
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_sqlite.audit import AUDIT_KEY, AUDIT_SCHEMA, TableResult, utc_now
from tap_sqlite.discovery import AUDIT_STREAM_NAME, ROWID_COLUMN, SourceObject
from tap_sqlite.encode import RowEncoder
from tap_sqlite.schema import INTEGER, TablePlan, select_sql
from tap_sqlite.sdk_compat import AnnotatedSchema
from tap_sqlite.source import TEXT_FACTORY
from tap_sqlite.sql import quote_identifier

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchConfig
    from singer_sdk.helpers.types import Context

    from tap_sqlite.tap import TapSQLite

PROGRESS_EVERY = 100_000


def _json_types(prop: t.Any) -> tuple[frozenset[str], str | None]:
    if not isinstance(prop, dict):
        return frozenset(), None
    types = prop.get("type", [])
    if isinstance(types, str):
        types = [types]
    return frozenset(types) - {"null"}, prop.get("contentEncoding")


class SQLiteStream(Stream):
    """Full-table copy of one SQLite table or view, ordered by its key."""

    #: Records are JSON-ready by construction (RowEncoder): skip the SDK's costly
    #: per-value conformance pass (which would also turn infinities into NULL).
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: TapSQLite, obj: SourceObject, plan: TablePlan) -> None:
        """Create the stream of ``obj`` with the schema decided by ``plan``."""
        self.source_object = obj
        self.plan = plan
        self._sqlite_tap = tap
        super().__init__(tap, schema=plan.schema(), name=obj.stream_name)

    # The key, the schema and the replication method come from the data, never
    # from an input catalog (which may be stale); the catalog only selects.
    @property
    def primary_keys(self) -> t.Sequence[str]:
        """Primary key columns in PK order, or ``_sqlite_rowid``; views: none."""
        return list(self.plan.key_properties)

    @primary_keys.setter
    def primary_keys(self, new_value: t.Sequence[str]) -> None:
        """Ignored: the key is decided by the source table."""

    def apply_catalog(self, catalog: singer.Catalog) -> None:
        """Take selection from the catalog; keep the fresh schema and key."""
        super().apply_catalog(catalog)
        if self._input_schema is not None:
            self._warn_catalog_drift(self._input_schema)
        self._input_schema = None
        self.replication_key = None
        self.forced_replication_method = None

    def _warn_catalog_drift(self, catalog_schema: dict[str, t.Any]) -> None:
        old = catalog_schema.get("properties", {})
        for name, prop in self.schema["properties"].items():
            if name not in old:
                self.logger.warning(
                    "Column %r of %r is not in the input catalog (new since "
                    "discovery?): it is extracted; re-run discovery to refresh.",
                    name,
                    self.name,
                )
            elif _json_types(old[name]) != _json_types(prop):
                self.logger.warning(
                    "Input catalog types column %r of %r as %s but its data now "
                    "needs %s: the data's type is used; re-run discovery to refresh.",
                    name,
                    self.name,
                    sorted(_json_types(old[name])[0]),
                    sorted(_json_types(prop)[0]),
                )

    @property
    def _singer_catalog_entry(self) -> singer.CatalogEntry:
        """Catalog entry whose schema keeps the ``x-sqlite-*`` annotations."""
        entry = super()._singer_catalog_entry
        entry.schema = AnnotatedSchema.wrap(self.schema)
        return entry

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Read the table in key order with ``fetchmany`` (memory stays flat)."""
        encoder = self._encoder()
        for rows in self._read_chunks(encoder):
            for row in rows:
                yield encoder(row)

    def get_batches(
        self, batch_config: BatchConfig, context: Context | None = None
    ) -> Iterable[tuple[BaseBatchFileEncoding, list[str]]]:
        """Parquet files built from Arrow columns (batches.py); other formats: the SDK's."""
        if batch_config.encoding.format != BatchFileFormat.PARQUET:
            yield from super().get_batches(batch_config, context)
            return
        from singer_batches import ParquetFiles  # pyarrow: batch runs only

        from tap_sqlite.batches import ColumnEncoder

        encoder = self._encoder()
        obj = self.source_object
        columns = ColumnEncoder(encoder, self._modes(), f"{obj.object_type} {obj.name!r}")
        files = ParquetFiles(batch_config, self.tap_name, self.name)
        # The metrics the record path logs (record_count, sync_duration per stream).
        record_counter, timer = self.get_record_counter(), self.get_sync_timer()
        with record_counter, timer:

            def chunks() -> Iterator[t.Any]:
                for rows in self._read_chunks(encoder):
                    record_counter.increment(len(rows))
                    yield columns(rows)

            for url in files.write(chunks(), columns.schema):
                yield batch_config.encoding, [url]

    def _names(self) -> list[str]:
        names = [p.column.name for p in self.plan.columns]
        return [ROWID_COLUMN, *names] if self.plan.rowid_key else names

    def _modes(self) -> list[str]:
        modes = [p.mode for p in self.plan.columns]
        return [INTEGER, *modes] if self.plan.rowid_key else modes

    def _encoder(self) -> RowEncoder:
        return RowEncoder(self._names(), self._modes())

    def _read_chunks(self, encoder: RowEncoder) -> Iterator[list[tuple[t.Any, ...]]]:
        """Row chunks in key order from one snapshot; counts, logs and audits the read."""
        connection = self._sqlite_tap.source.connection
        obj, plan = self.source_object, self.plan
        batch_size = int(self.config.get("batch_size") or 10_000)

        started = time.monotonic()
        if connection.in_transaction:  # an earlier read was abandoned mid-way
            connection.execute("COMMIT")
        connection.execute("BEGIN")  # count and rows from one snapshot
        try:
            result = self._count(connection)
            cursor = connection.execute(select_sql(obj, plan))
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        emitted = 0
        # Plain str decodes at C speed, a third of the wide benchmark's fetch time less than
        # the surrogateescape factory. Text that is not valid UTF-8 stops it; the read then
        # resumes at the same row, in the same snapshot and order, with the factory that
        # keeps such text (as lone surrogates the encoder turns back into bytes).
        connection.text_factory = str
        try:
            while True:
                try:
                    rows = cursor.fetchmany(batch_size)
                except sqlite3.OperationalError as error:
                    if connection.text_factory is TEXT_FACTORY or "decode" not in str(error):
                        raise
                    cursor.close()
                    connection.text_factory = TEXT_FACTORY
                    self.logger.info(
                        "%r holds text that is not valid UTF-8: reading on from row %d "
                        "keeping its bytes",
                        self.name,
                        emitted + 1,
                    )
                    cursor = connection.execute(
                        f"{select_sql(obj, plan)} LIMIT -1 OFFSET {emitted}"
                    )
                    continue
                if not rows:
                    break
                yield rows
                before, emitted = emitted, emitted + len(rows)
                if emitted // PROGRESS_EVERY > before // PROGRESS_EVERY:
                    self._log_progress(emitted, started)
            result.completed = True
        finally:
            connection.text_factory = TEXT_FACTORY
            cursor.close()
            if connection.in_transaction:
                connection.execute("COMMIT")
            self._finish(result, encoder, emitted, started)

    def _count(self, connection: sqlite3.Connection) -> TableResult:
        """The tap's own ``count(*)``, taken right before reading the rows."""
        obj, plan = self.source_object, self.plan
        count_sql = f"SELECT count(*) FROM {quote_identifier(obj.name)}"
        result = TableResult(
            source_row_count=int(connection.execute(count_sql).fetchone()[0]),
            started_at=utc_now(),
            plan=plan,
        )
        self._sqlite_tap.audit.results[self.name] = result
        self.logger.info(
            "Reading %s %r: %d rows, order by %s",
            obj.object_type,
            obj.name,
            result.source_row_count,
            ", ".join(plan.order_by) or "(none)",
        )
        return result

    def _log_progress(self, emitted: int, started: float) -> None:
        elapsed = max(time.monotonic() - started, 1e-9)
        self.logger.info("%r: %d rows so far (%.0f rows/s)", self.name, emitted, emitted / elapsed)

    def _finish(
        self, result: TableResult, encoder: RowEncoder, emitted: int, started: float
    ) -> None:
        result.emitted_row_count = emitted
        result.finished_at = utc_now()
        result.invalid_utf8 = dict(encoder.invalid_utf8)
        result.nul_chars = dict(encoder.nul_chars)
        seconds = time.monotonic() - started
        if not result.completed:
            self.logger.warning(
                "%r: read stopped early after %d of %d rows",
                self.name,
                emitted,
                result.source_row_count,
            )
            return
        self.logger.info("%r: done, %d rows in %.2f s", self.name, emitted, seconds)
        if encoder.invalid_utf8_total:
            self.logger.warning(
                "%r: %d text values are not valid UTF-8; emitted as \\x hex: %s",
                self.name,
                encoder.invalid_utf8_total,
                _nonzero(encoder.invalid_utf8),
            )
        if encoder.nul_char_total:
            self.logger.warning(
                "%r: %d text values contain NUL characters: %s",
                self.name,
                encoder.nul_char_total,
                _nonzero(encoder.nul_chars),
            )
        if result.mismatch:
            self.logger.error(
                "Row count self-check failed for %r: source has %d rows, %d emitted",
                self.source_object.name,
                result.source_row_count,
                emitted,
            )


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {name: count for name, count in counts.items() if count}


class AuditStream(Stream):
    """``_source_audit``: one record per discovered object; synced last."""

    name = AUDIT_STREAM_NAME

    def __init__(self, tap: TapSQLite) -> None:
        """Create the audit stream of ``tap``."""
        self._sqlite_tap = tap
        super().__init__(tap, schema=AUDIT_SCHEMA, name=AUDIT_STREAM_NAME)

    def get_batch_config(self, config: t.Mapping[str, t.Any]) -> BatchConfig | None:
        """Always records: a handful of rows, written after every table is read."""
        del config
        return None

    @property
    def primary_keys(self) -> t.Sequence[str]:
        """Keyed by stream name."""
        return AUDIT_KEY

    @primary_keys.setter
    def primary_keys(self, new_value: t.Sequence[str]) -> None:
        """Ignored: the audit stream is always keyed by ``table_name``."""

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """One record per table/view/virtual table, in ``sqlite_master`` order."""
        tap = self._sqlite_tap
        streams = tap.streams
        for obj in tap.source_objects:
            stream = streams.get(obj.stream_name)
            selected = stream is not None and stream.selected
            yield tap.audit.record(obj, tap.plans.get(obj.stream_name), selected=selected)
        mismatches: Sequence[str] = sorted(tap.audit.mismatches)
        if mismatches:
            self.logger.log(
                logging.ERROR,
                "Row count self-check failed for: %s",
                ", ".join(mismatches),
            )
