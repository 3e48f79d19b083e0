"""The ``_source_audit`` stream's records: what was found, read and emitted."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from tap_sqlite.discovery import SourceObject
from tap_sqlite.schema import TablePlan
from tap_sqlite.source import SourceFileInfo

EXTRACTED = "extracted"
SKIPPED = "skipped"
DESELECTED = "deselected"

_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_INTEGER = {"type": ["integer", "null"]}

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
        "primary_key": _NULLABLE_STRING,
        "columns": _NULLABLE_STRING,
        "invalid_utf8_values": _NULLABLE_INTEGER,
        "nul_char_values": _NULLABLE_INTEGER,
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "source_path": _NULLABLE_STRING,
        "source_size_bytes": _NULLABLE_INTEGER,
        "source_mtime": {"type": ["string", "null"], "format": "date-time"},
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

    source_row_count: int
    started_at: str
    plan: TablePlan
    emitted_row_count: int = 0
    finished_at: str | None = None
    completed: bool = False  # False: the read was interrupted (e.g. --test)
    invalid_utf8: dict[str, int] = field(default_factory=dict)
    nul_chars: dict[str, int] = field(default_factory=dict)

    @property
    def mismatch(self) -> bool:
        """The self-check failed: a completed read emitted another row count."""
        return self.completed and self.emitted_row_count != self.source_row_count


@dataclass
class AuditLog:
    """Collects per-stream results during a run; builds the audit records."""

    source: SourceFileInfo
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    results: dict[str, TableResult] = field(default_factory=dict)

    @property
    def mismatches(self) -> dict[str, TableResult]:
        """Streams whose emitted count differs from the source count."""
        return {name: res for name, res in self.results.items() if res.mismatch}

    def record(
        self, obj: SourceObject, plan: TablePlan | None, *, selected: bool
    ) -> dict[str, Any]:
        """The audit record of one discovered object."""
        result = self.results.get(obj.stream_name) if selected else None
        record: dict[str, Any] = {
            "table_name": obj.stream_name,
            "source_table": obj.name,
            "object_type": obj.object_type,
            "status": EXTRACTED,
            "skip_reason": None,
            "source_row_count": None,
            "emitted_row_count": None,
            "primary_key": None,
            "columns": None,
            "invalid_utf8_values": None,
            "nul_char_values": None,
            "started_at": None,
            "finished_at": None,
            "source_path": str(self.source.path),
            "source_size_bytes": self.source.size_bytes,
            "source_mtime": self.source.mtime,
            "run_id": self.run_id,
        }
        if obj.skip_reason is not None:
            record.update(status=SKIPPED, skip_reason=obj.skip_reason)
        elif obj.deselect_reason is not None or not selected:
            reason = obj.deselect_reason or "not selected in the catalog"
            record.update(status=DESELECTED, skip_reason=reason)
        if plan is not None:
            record["primary_key"] = json.dumps(plan.key_properties)
            record["columns"] = json.dumps(_columns_detail(plan, result), ensure_ascii=False)
        if result is not None:
            record.update(
                source_row_count=result.source_row_count,
                emitted_row_count=result.emitted_row_count,
                invalid_utf8_values=sum(result.invalid_utf8.values()),
                nul_char_values=sum(result.nul_chars.values()),
                started_at=result.started_at,
                finished_at=result.finished_at,
            )
        return record


def _columns_detail(plan: TablePlan, result: TableResult | None) -> list[dict[str, Any]]:
    detail = []
    for column_plan in plan.columns:
        name = column_plan.column.name
        item: dict[str, Any] = {
            "name": name,
            "declared_type": column_plan.column.declared_type,
            "json_type": column_plan.json_type,
            "content_encoding": column_plan.content_encoding,
            "storage_classes": column_plan.profile.as_dict(),
        }
        if column_plan.column.generated:
            item["generated"] = True
        if result is not None:
            item["invalid_utf8_values"] = result.invalid_utf8.get(name, 0)
            item["nul_char_values"] = result.nul_chars.get(name, 0)
        detail.append(item)
    return detail
