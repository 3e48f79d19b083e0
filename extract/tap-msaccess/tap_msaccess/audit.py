"""The ``_source_audit`` stream's records: what was found, read and emitted."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tap_msaccess.discovery import SourceObject
from tap_msaccess.reader import DatabaseSchema
from tap_msaccess.schema import json_type

EXTRACTED = "extracted"
SKIPPED = "skipped"
DESELECTED = "deselected"

_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_INTEGER = {"type": ["integer", "null"]}
_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}

AUDIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "table_name": {"type": ["string"]},
        "source_table": _NULLABLE_STRING,
        "object_type": _NULLABLE_STRING,
        "status": _NULLABLE_STRING,
        "skip_reason": _NULLABLE_STRING,
        "source_row_count": _NULLABLE_INTEGER,
        "emitted_row_count": _NULLABLE_INTEGER,
        "header_row_count": _NULLABLE_INTEGER,
        "primary_key": _NULLABLE_STRING,
        "unique_indexes": _NULLABLE_STRING,
        "foreign_keys": _NULLABLE_STRING,
        "columns": _NULLABLE_STRING,
        "omitted_columns": _NULLABLE_STRING,
        "invalid_text_values": _NULLABLE_INTEGER,
        "nul_char_values": _NULLABLE_INTEGER,
        "jet3_non_ascii_values": _NULLABLE_INTEGER,
        "started_at": _TIMESTAMP,
        "finished_at": _TIMESTAMP,
        "source_path": _NULLABLE_STRING,
        "source_size_bytes": _NULLABLE_INTEGER,
        "source_mtime": _TIMESTAMP,
        "source_format": _NULLABLE_STRING,
        "jet3_charset": _NULLABLE_STRING,
        "run_id": _NULLABLE_STRING,
    },
}
AUDIT_KEY = ["table_name"]


def utc_now() -> str:
    """Current time, ISO 8601 UTC."""
    return dt.datetime.now(tz=dt.UTC).isoformat()


@dataclass
class TableResult:
    """What happened when one stream was read."""

    started_at: str
    source_row_count: int | None = None  # counted by the reader in this read
    emitted_row_count: int = 0
    finished_at: str | None = None
    completed: bool = False  # False: the read was interrupted
    invalid_text: dict[str, int] = field(default_factory=dict)
    nul_chars: dict[str, int] = field(default_factory=dict)
    non_ascii_jet3: dict[str, int] = field(default_factory=dict)

    @property
    def mismatch(self) -> bool:
        """The self-check failed: a completed read emitted another row count."""
        return self.completed and self.emitted_row_count != self.source_row_count


@dataclass
class AuditLog:
    """Collects per-stream results during a run; builds the audit records."""

    schema: DatabaseSchema
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    results: dict[str, TableResult] = field(default_factory=dict)

    @property
    def mismatches(self) -> dict[str, TableResult]:
        """Streams whose emitted count differs from the source count."""
        return {name: res for name, res in self.results.items() if res.mismatch}

    def record(self, obj: SourceObject, *, selected: bool) -> dict[str, Any]:
        """The audit record of one discovered object."""
        path = Path(self.schema.path)
        stat = path.stat()
        result = self.results.get(obj.stream_name) if selected else None
        record: dict[str, Any] = dict.fromkeys(AUDIT_SCHEMA["properties"])
        record.update(
            table_name=obj.stream_name,
            source_table=obj.name,
            object_type=obj.object_type,
            status=EXTRACTED,
            source_path=str(path),
            source_size_bytes=stat.st_size,
            source_mtime=dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC).isoformat(),
            source_format=self.schema.format,
            jet3_charset=self.schema.jet3_charset,
            run_id=self.run_id,
        )
        if obj.skip_reason is not None:
            record.update(status=SKIPPED, skip_reason=obj.skip_reason)
        elif obj.deselect_reason is not None or not selected:
            reason = obj.deselect_reason or "not selected in the catalog"
            record.update(status=DESELECTED, skip_reason=reason)
        table = obj.table
        if table is not None:
            record["header_row_count"] = table.header_row_count
            record["primary_key"] = json.dumps(table.primary_key, ensure_ascii=False)
            record["unique_indexes"] = json.dumps(
                [{"name": n, "columns": c} for n, c in table.unique_indexes], ensure_ascii=False
            )
            record["foreign_keys"] = json.dumps(
                [r.as_dict() for r in self.schema.relationships if r.table == table.name],
                ensure_ascii=False,
            )
            record["columns"] = json.dumps(_columns(obj, result), ensure_ascii=False)
            record["omitted_columns"] = json.dumps(obj.omitted_columns or {}, ensure_ascii=False)
        if result is not None:
            record.update(
                source_row_count=result.source_row_count,
                emitted_row_count=result.emitted_row_count,
                invalid_text_values=sum(result.invalid_text.values()),
                nul_char_values=sum(result.nul_chars.values()),
                jet3_non_ascii_values=sum(result.non_ascii_jet3.values()),
                started_at=result.started_at,
                finished_at=result.finished_at,
            )
        return record


def _columns(obj: SourceObject, result: TableResult | None) -> list[dict[str, Any]]:
    assert obj.table is not None
    detail = []
    for column in obj.table.columns:
        kind, encoding = json_type(column)
        item: dict[str, Any] = {
            "name": column.name,
            "access_type": column.type_label,
            "json_type": kind,
            "content_encoding": encoding,
            "nullable": column.nullable,
        }
        if column.unsupported_reason:
            item["unsupported"] = column.unsupported_reason
        if obj.omitted_columns and column.name in obj.omitted_columns:
            item["omitted"] = True
        if result is not None:
            item["invalid_text_values"] = result.invalid_text.get(column.name, 0)
            item["nul_char_values"] = result.nul_chars.get(column.name, 0)
        detail.append(item)
    return detail
