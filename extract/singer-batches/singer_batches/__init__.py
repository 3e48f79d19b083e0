"""Singer BATCH files for the project's taps (see README.md)."""

from __future__ import annotations

import datetime as dt
import math
import typing as t
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchConfig

__all__ = ["ParquetFiles", "RecordColumns", "record_batches", "sdk_records"]


class ParquetFiles:
    """Parquet files of at most ``rows_per_file`` rows in the batch storage; yields URLs."""

    def __init__(self, batch_config: BatchConfig, tap_name: str, stream_name: str) -> None:
        """Files are named ``<prefix><tap>--<stream>-<uuid>=<n>.parquet``."""
        self.storage = batch_config.storage
        self.compression = batch_config.encoding.compression or "none"
        self.rows_per_file = max(int(batch_config.batch_size or 0), 1)
        self.stem = f"{batch_config.storage.prefix or ''}{tap_name}--{stream_name}-{uuid.uuid4()}"
        self._count = 0

    def write(self, batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> Iterator[str]:
        """Write ``batches`` across as many files as needed; yield each file's URL when done.

        An empty table writes no file (the loader creates its table from the SCHEMA).
        """
        chunks = iter(batches)
        pending = next(chunks, None)
        while pending is not None:
            self._count += 1
            filename = f"{self.stem}={self._count}.parquet"
            with (
                self.storage.open(filename, "wb") as handle,
                pq.ParquetWriter(handle, schema, compression=self.compression) as writer,
            ):
                room = self.rows_per_file
                while pending is not None and room > 0:
                    if pending.num_rows > room:  # the rest opens the next file
                        writer.write_batch(pending.slice(0, room))
                        pending, room = pending.slice(room), 0
                        continue
                    writer.write_batch(pending)
                    room -= pending.num_rows
                    pending = next(chunks, None)
            yield self.storage.get_url(filename)


def _types(prop: Mapping[str, t.Any]) -> set[str]:
    kinds = prop.get("type", [])
    return ({kinds} if isinstance(kinds, str) else set(kinds)) - {"null"}


def json_text(value: t.Any) -> str | None:
    """A conformed record value's text as its RECORD message carries it to the loader:
    the SDK's JSON writer (simplejson, Decimals exact, NaN and infinities as null, a
    datetime as ISO 8601) and the loader's reader (JSON numbers as Decimal)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T")
    if isinstance(value, dict | list):
        from singer_sdk.singerlib.json import serialize_json

        return serialize_json(value)
    return str(value)


def sdk_records(stream: t.Any, context: t.Any) -> Iterator[dict[str, t.Any]]:
    """The stream's records as its RECORD messages would carry them: the SDK's own read
    (``_sync_records``, as its batcher reads them), then what ``_generate_record_messages``
    does to each record before writing it (deselected properties dropped, values
    conformed to the schema, the stream map applied)."""
    from singer_sdk.helpers._typing import conform_record_data_types
    from singer_sdk.mapper import RemoveRecordTransform

    maps = [m for m in stream.stream_maps if not isinstance(m, RemoveRecordTransform)]
    if len(maps) != 1 or maps[0].stream_alias != stream.name:
        msg = (
            f"stream {stream.name!r}: BATCH files are written for one stream as it is; "
            "stream maps that rename, split or filter it need RECORD messages "
            "(unset batch_config)"
        )
        raise NotImplementedError(msg)
    for record in stream._sync_records(context, write_messages=False):
        pop_deselected(record, stream)
        conformed = conform_record_data_types(
            stream_name=stream.name,
            record=record,
            schema=stream.effective_schema,
            level=stream.TYPE_CONFORMANCE_LEVEL,
            logger=stream.logger,
        )
        mapped = maps[0].transform(conformed)
        if mapped is not None:
            yield mapped


def pop_deselected(record: dict[str, t.Any], stream: t.Any) -> None:
    from singer_sdk.helpers._catalog import pop_deselected_record_properties

    pop_deselected_record_properties(record, stream.schema, stream.mask)


class RecordColumns:
    """Record dicts of one stream → Arrow record batches typed from its JSON schema.

    integer → int64 and boolean → bool (both exact); every other property → the text of its
    JSON value (``json_text``), which the loader COPYs into the same typed column the
    RECORD path fills. Records must be conformed already (``sdk_records``).
    """

    def __init__(self, schema: Mapping[str, t.Any]) -> None:
        """``schema``: the stream's JSON schema (its ``properties``)."""
        properties = schema.get("properties", {})
        self.names = list(properties)
        fields = []
        for name in self.names:
            kinds = _types(properties[name])
            kind = pa.int64() if kinds == {"integer"} else pa.string()
            if kinds == {"boolean"}:
                kind = pa.bool_()
            fields.append(pa.field(name, kind))
        self.schema = pa.schema(fields)

    def __call__(self, records: Sequence[Mapping[str, t.Any]]) -> pa.RecordBatch:
        """One record batch for a chunk of records."""
        arrays = []
        for field in self.schema:
            values = [record.get(field.name) for record in records]
            if pa.types.is_string(field.type):
                values = [None if v is None else json_text(v) for v in values]
            arrays.append(pa.array(values, field.type))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def record_batches(
    stream: t.Any, batch_config: BatchConfig, records: Iterable[Mapping[str, t.Any]], chunk: int
) -> Iterator[tuple[BaseBatchFileEncoding, list[str]]]:
    """``(encoding, [url])`` per parquet file of ``records``, ``chunk`` records per batch."""
    columns = RecordColumns(stream.schema)
    files = ParquetFiles(batch_config, stream.tap_name, stream.name)

    def chunks() -> Iterator[pa.RecordBatch]:
        pending: list[Mapping[str, t.Any]] = []
        for record in records:
            pending.append(record)
            if len(pending) >= chunk:
                yield columns(pending)
                pending = []
        if pending:
            yield columns(pending)

    for url in files.write(chunks(), columns.schema):
        yield batch_config.encoding, [url]
