"""The ``_source_audit`` stream's records: what was found, read and emitted."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from tap_mssql.catalog import DatabaseInfo
from tap_mssql.discovery import SourceObject
from tap_mssql.plan import TablePlan

EXTRACTED = "extracted"
SKIPPED = "skipped"
DESELECTED = "deselected"

_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_INTEGER = {"type": ["integer", "null"]}
_NULLABLE_BOOLEAN = {"type": ["boolean", "null"]}
_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}

AUDIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "table_name": {"type": ["string"]},
        "source_table": _NULLABLE_STRING,
        "source_schema": _NULLABLE_STRING,
        "object_type": _NULLABLE_STRING,
        "status": _NULLABLE_STRING,
        "skip_reason": _NULLABLE_STRING,
        "source_row_count": _NULLABLE_INTEGER,
        "emitted_row_count": _NULLABLE_INTEGER,
        "consistent_count": _NULLABLE_BOOLEAN,
        "source_column_count": _NULLABLE_INTEGER,
        "primary_key": _NULLABLE_STRING,
        "unique_keys": _NULLABLE_STRING,
        "foreign_keys": _NULLABLE_STRING,
        "identity": _NULLABLE_STRING,
        "columns": _NULLABLE_STRING,
        "deselected_columns": _NULLABLE_STRING,
        "nul_char_values": _NULLABLE_INTEGER,
        "started_at": _TIMESTAMP,
        "finished_at": _TIMESTAMP,
        "source_host": _NULLABLE_STRING,
        "source_database": _NULLABLE_STRING,
        "server_version": _NULLABLE_STRING,
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
    source_row_count: int | None = None
    consistent_count: bool = False  # count and rows from one snapshot
    emitted_row_count: int = 0
    finished_at: str | None = None
    completed: bool = False  # False: the read was interrupted
    nul_chars: dict[str, int] = field(default_factory=dict)
    deselected_columns: list[str] = field(default_factory=list)

    @property
    def mismatch(self) -> bool:
        """The self-check failed: a completed read emitted another row count."""
        return self.completed and self.emitted_row_count != self.source_row_count


@dataclass
class AuditLog:
    """Collects per-stream results during a run; builds the audit records."""

    host: str
    database: DatabaseInfo
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    results: dict[str, TableResult] = field(default_factory=dict)

    @property
    def mismatches(self) -> dict[str, TableResult]:
        """Streams whose emitted count differs from the source count."""
        return {name: res for name, res in self.results.items() if res.mismatch}

    def record(
        self, obj: SourceObject, plan: TablePlan | None, *, selected: bool
    ) -> dict[str, Any]:
        """The audit record of one table or view."""
        table = obj.table
        result = self.results.get(obj.stream_name) if selected else None
        record: dict[str, Any] = dict.fromkeys(AUDIT_SCHEMA["properties"])
        record.update(
            table_name=obj.stream_name,
            source_table=table.name,
            source_schema=table.schema,
            object_type=obj.object_type,
            status=EXTRACTED,
            source_column_count=len(table.columns),
            primary_key=_json(list(table.primary_key)),
            unique_keys=_json([u.as_dict() for u in table.unique_keys]),
            foreign_keys=_json([fk.as_dict() for fk in table.foreign_keys]),
            identity=_json(table.identity.as_dict()) if table.identity else None,
            columns=_json(_columns(obj, plan, result)),
            source_host=self.host,
            source_database=self.database.name,
            server_version=self.database.product_version,
            run_id=self.run_id,
        )
        if obj.skip_reason is not None:
            record.update(status=SKIPPED, skip_reason=obj.skip_reason)
        elif obj.deselect_reason is not None or not selected:
            reason = obj.deselect_reason or "not selected in the catalog"
            record.update(status=DESELECTED, skip_reason=reason)
        if result is not None:
            record.update(
                source_row_count=result.source_row_count,
                emitted_row_count=result.emitted_row_count,
                consistent_count=result.consistent_count,
                deselected_columns=_json(result.deselected_columns),
                nul_char_values=sum(result.nul_chars.values()),
                started_at=result.started_at,
                finished_at=result.finished_at,
            )
        return record


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _columns(
    obj: SourceObject, plan: TablePlan | None, result: TableResult | None
) -> list[dict[str, Any]]:
    """Every column of the source table (column parity), with how it was read."""
    plans = {p.name: p for p in plan.columns} if plan else {}
    detail = []
    for column in obj.table.columns:
        item: dict[str, Any] = {
            "name": column.name,
            "mssql_type": column.declared,
            "nullable": column.nullable,
        }
        column_plan = plans.get(column.name)
        if column_plan is not None and column_plan.mapping is not None:
            mapping = column_plan.mapping
            item.update(json_type=mapping.json_type, content_encoding=mapping.content_encoding)
            if mapping.read_as:
                item["read_as"] = mapping.read_as
        elif column_plan is not None:
            item["unsupported"] = column_plan.problem
        if plan and column.name in plan.variant_base_types:
            item["variant_base_types"] = plan.variant_base_types[column.name]
        if result is not None:
            item["nul_char_values"] = result.nul_chars.get(column.name, 0)
        detail.append(item)
    return detail
