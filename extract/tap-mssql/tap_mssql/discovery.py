"""Map the database's tables and views to streams (or to skipped/deselected audit records)."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from tap_mssql.catalog import Table
from tap_mssql.errors import MSSQLError

AUDIT_STREAM_NAME = "_source_audit"
VIEW_SKIP_REASON = "view: its rows are derived from tables, which are copied (not streamed)"


@dataclass
class SourceObject:
    """A table or view found in the database."""

    table: Table
    stream_name: str
    skip_reason: str | None = None  # set: not streamed ("skipped")
    deselect_reason: str | None = None  # set: excluded by settings ("deselected")

    @property
    def streamed(self) -> bool:
        """Whether this object becomes a stream."""
        return self.skip_reason is None and self.deselect_reason is None

    @property
    def object_type(self) -> str:
        """``table`` or ``view``."""
        return self.table.object_type


def stream_name_for(schema: str, table: str) -> str:
    """``<schema>-<table>`` as PipelineWise tap-mssql names streams.

    A ``-`` inside either name becomes ``_``: target-postgres splits stream names on ``-``
    and takes the last part as the table name.
    """
    return f"{schema.replace('-', '_')}-{table.replace('-', '_')}"


def list_objects(tables: Sequence[Table]) -> list[SourceObject]:
    """Every user table (streamed) and view (reported only), in schema/name order."""
    objects = []
    for table in tables:
        obj = SourceObject(table, stream_name_for(table.schema, table.name))
        if table.object_type == "view":
            obj.skip_reason = VIEW_SKIP_REASON
        objects.append(obj)
    return objects


def _matches(obj: SourceObject, patterns: Sequence[str]) -> bool:
    table = obj.table
    names = {table.name, table.qualified, obj.stream_name}
    return any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns)


def apply_config_filters(
    objects: Sequence[SourceObject],
    *,
    schemas: Sequence[str] | None,
    tables: Sequence[str] | None,
    exclude_tables: Sequence[str] | None,
) -> list[str]:
    """Mark tables excluded by settings; return ``tables`` patterns matching no table.

    ``schemas``: exact schema names (case-insensitive, as SQL Server compares them by
    default). ``tables`` / ``exclude_tables``: fnmatch globs on the table name,
    ``schema.table`` or the stream name.
    """
    wanted_schemas = {s.casefold() for s in schemas or ()}
    candidates = [obj for obj in objects if obj.object_type == "table"]
    for obj in candidates:
        if wanted_schemas and obj.table.schema.casefold() not in wanted_schemas:
            obj.deselect_reason = "schema not in the 'schemas' setting"
        elif tables and not _matches(obj, tables):
            obj.deselect_reason = "not matched by the 'tables' setting"
        elif exclude_tables and _matches(obj, exclude_tables):
            obj.deselect_reason = "matched by the 'exclude_tables' setting"
    return [
        pattern
        for pattern in tables or ()
        if not any(_matches(obj, [pattern]) for obj in candidates)
    ]


def check_name_collisions(objects: Sequence[SourceObject]) -> None:
    """Fail if two streamed tables would land in one target table.

    target-postgres names the table after the part of the stream name after the last
    ``-``, so ``sales-Orders`` and ``dbo-Orders`` would share ``Orders``.
    """
    seen: dict[str, str] = {AUDIT_STREAM_NAME: "the audit stream"}
    for obj in objects:
        if not obj.streamed:
            continue
        target_table = obj.stream_name.rsplit("-", 1)[-1]
        other = seen.get(target_table)
        if other is not None:
            msg = (
                f"tables {other!r} and {obj.table.qualified!r} would load into the same "
                f"target table {target_table!r} (target-postgres drops the schema part of "
                "the stream name): exclude one with 'exclude_tables' or 'schemas'"
            )
            raise MSSQLError(msg)
        seen[target_table] = obj.table.qualified
