"""Singer streams: one per Access table, plus the ``_source_audit`` stream."""

from __future__ import annotations

import time
import typing as t
from collections.abc import Iterable

from singer_sdk import Stream
from singer_sdk import singerlib as singer
from singer_sdk.helpers._batch import BatchFileFormat
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_msaccess.audit import AUDIT_KEY, AUDIT_SCHEMA, TableResult, utc_now
from tap_msaccess.discovery import AUDIT_STREAM_NAME, SourceObject
from tap_msaccess.encode import RowEncoder
from tap_msaccess.reader import TableRows
from tap_msaccess.schema import property_schema
from tap_msaccess.sdk_compat import AnnotatedSchema

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchConfig
    from singer_sdk.helpers.types import Context

    from tap_msaccess.tap import TapMSAccess

PROGRESS_EVERY = 100_000


def table_schema(obj: SourceObject, tap: TapMSAccess) -> dict[str, t.Any]:
    """JSON schema of a table stream, with ``x-access-*`` annotations at the root."""
    table = obj.table
    assert table is not None
    omitted = obj.omitted_columns or {}
    properties = {c.name: property_schema(c) for c in table.columns if c.name not in omitted}
    schema = tap.access_schema
    return {
        "type": "object",
        "properties": properties,
        "x-access-table": table.name,
        "x-access-primary-key": table.primary_key,
        "x-access-unique-indexes": [
            {"name": name, "columns": cols} for name, cols in table.unique_indexes
        ],
        "x-access-foreign-keys": [
            r.as_dict() for r in schema.relationships if r.table == table.name
        ],
        "x-access-omitted-columns": omitted,
        "x-access-format": schema.format,
    }


class AccessStream(Stream):
    """Full-table copy of one Access table, in the file's physical row order."""

    #: Records are JSON-ready by construction (RowEncoder); Decimal stays exact.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: TapMSAccess, obj: SourceObject) -> None:
        """Create the stream of ``obj``."""
        self.source_object = obj
        self._access_tap = tap
        super().__init__(tap, schema=table_schema(obj, tap), name=obj.stream_name)

    @property
    def primary_keys(self) -> t.Sequence[str]:
        """The Access primary key (from mdbtools), in key order."""
        assert self.source_object.table is not None
        return list(self.source_object.table.primary_key)

    @primary_keys.setter
    def primary_keys(self, new_value: t.Sequence[str]) -> None:
        """Ignored: the key is decided by the source table."""

    def apply_catalog(self, catalog: singer.Catalog) -> None:
        """Take selection from the catalog; keep the fresh schema and key."""
        super().apply_catalog(catalog)
        self._input_schema = None
        self.replication_key = None
        self.forced_replication_method = None

    @property
    def _singer_catalog_entry(self) -> singer.CatalogEntry:
        """Catalog entry whose schema keeps the ``x-access-*`` annotations."""
        entry = super()._singer_catalog_entry
        entry.schema = AnnotatedSchema.wrap(self.schema)
        return entry

    def rows_reader(self) -> TableRows:
        """The reader of this table (``check()`` raises if it cannot be read faithfully)."""
        tap = self._access_tap
        obj = self.source_object
        assert obj.table is not None
        return TableRows(
            tap.access_schema,
            obj.table,
            password=tap.config.get("password") or None,
            batch_size=int(self.config.get("batch_size") or 10_000),
            omit_columns=frozenset(obj.omitted_columns or {}),
        )

    def get_batches(
        self, batch_config: BatchConfig, context: Context | None = None
    ) -> Iterable[tuple[BaseBatchFileEncoding, list[str]]]:
        """Parquet files of the records, typed from the schema (singer_batches); other
        formats: the SDK's."""
        if batch_config.encoding.format != BatchFileFormat.PARQUET:
            yield from super().get_batches(batch_config, context)
            return
        from singer_batches import record_batches, sdk_records  # pyarrow: batch runs only

        chunk = int(self.config.get("batch_size") or 10_000)
        yield from record_batches(self, batch_config, sdk_records(self, context), chunk)

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Stream the table's rows ``batch_size`` at a time (memory stays flat)."""
        tap = self._access_tap
        reader = self.rows_reader()
        names = list(self.schema["properties"])
        jet3_default = tap.access_schema.format == "Jet3" and not tap.config.get("jet3_charset")
        encoder = RowEncoder(self.source_object.name, names, jet3_default_charset=jet3_default)
        result = TableResult(started_at=utc_now())
        tap.audit.results[self.name] = result
        started = time.monotonic()
        self.logger.info(
            "Reading table %r (%d columns, header says %s rows), batches of %d",
            self.source_object.name,
            len(names),
            self.source_object.table.header_row_count if self.source_object.table else "?",
            reader.batch_size,
        )
        emitted = 0
        try:
            for row in reader:
                yield encoder(row)
                emitted += 1
                if emitted % PROGRESS_EVERY == 0:
                    elapsed = max(time.monotonic() - started, 1e-9)
                    self.logger.info(
                        "%r: %d rows so far (%.0f rows/s)", self.name, emitted, emitted / elapsed
                    )
            result.completed = reader.source_row_count is not None
        finally:
            result.source_row_count = reader.source_row_count
            result.emitted_row_count = emitted
            result.finished_at = utc_now()
            result.invalid_text = dict(encoder.invalid_text)
            result.nul_chars = dict(encoder.nul_chars)
            result.non_ascii_jet3 = dict(encoder.non_ascii_jet3)
            self._log_end(result, encoder, started)

    def _log_end(self, result: TableResult, encoder: RowEncoder, started: float) -> None:
        seconds = max(time.monotonic() - started, 1e-9)
        emitted = result.emitted_row_count
        self.logger.info(
            "%r: done, %d rows in %.2f s (%.0f rows/s)",
            self.name,
            emitted,
            seconds,
            emitted / seconds,
        )
        if encoder.total(encoder.invalid_text):
            self.logger.warning(
                "%r: %d text values hold invalid UTF-16 (lone surrogates); emitted as \\x "
                "hex of their UTF-16LE bytes: %s",
                self.name,
                encoder.total(encoder.invalid_text),
                _nonzero(encoder.invalid_text),
            )
        if encoder.total(encoder.nul_chars):
            self.logger.warning(
                "%r: %d text values contain NUL characters: %s",
                self.name,
                encoder.total(encoder.nul_chars),
                _nonzero(encoder.nul_chars),
            )
        if encoder.total(encoder.non_ascii_jet3):
            self.logger.warning(
                "%r: %d Jet 3 text values with non-ASCII characters were decoded with the "
                "default code page cp1252 ('jet3_charset' not set); if the database was "
                "created with another code page (GBK, CP949...) they are wrong: %s",
                self.name,
                encoder.total(encoder.non_ascii_jet3),
                _nonzero(encoder.non_ascii_jet3),
            )
        if result.mismatch:
            self.logger.error(
                "Row count self-check failed for %r: the reader counted %s rows, %d emitted",
                self.source_object.name,
                result.source_row_count,
                emitted,
            )


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {name: count for name, count in counts.items() if count}


class AuditStream(Stream):
    """``_source_audit``: one record per discovered object; synced last."""

    name = AUDIT_STREAM_NAME

    def __init__(self, tap: TapMSAccess) -> None:
        """Create the audit stream of ``tap``."""
        self._access_tap = tap
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
        """One record per table, linked table, temp table and saved query."""
        tap = self._access_tap
        streams = tap.streams
        for obj in tap.source_objects:
            stream = streams.get(obj.stream_name)
            selected = stream is not None and stream.selected
            yield tap.audit.record(obj, selected=selected)
