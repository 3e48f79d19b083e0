"""Map the Access file's objects to streams (or to skipped/deselected audit records)."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from tap_msaccess.errors import AccessError
from tap_msaccess.reader import AccessTable, DatabaseSchema

AUDIT_STREAM_NAME = "_source_audit"
TEMP_PREFIX = "~TMP"
SYSTEM_PREFIX = "MSys"


@dataclass
class SourceObject:
    """A table, linked table, temp table or saved query found in the file."""

    name: str
    stream_name: str
    object_type: str  # "table" | "linked table" | "temporary table" | "query"
    table: AccessTable | None = None
    skip_reason: str | None = None  # set: not streamed ("skipped")
    deselect_reason: str | None = None  # set: excluded by config ("deselected")
    omitted_columns: dict[str, str] | None = None  # column -> reason (calculated, omitted)

    @property
    def streamed(self) -> bool:
        """Whether this object becomes a stream."""
        return self.skip_reason is None and self.deselect_reason is None


def stream_name_for(name: str) -> str:
    """Stream name: the table name with '-' replaced (target-postgres splits on it)."""
    return name.replace("-", "_")


def list_objects(schema: DatabaseSchema) -> list[SourceObject]:
    """User tables (streamed), temp/linked tables and saved queries (reported only)."""
    objects: list[SourceObject] = []
    for table in schema.tables:
        if table.name.startswith(SYSTEM_PREFIX):
            continue
        obj = SourceObject(table.name, stream_name_for(table.name), "table", table=table)
        if table.name.startswith(TEMP_PREFIX):
            obj.object_type = "temporary table"
            obj.skip_reason = "temporary table (~TMP*): Access scratch data"
        objects.append(obj)
    for linked in schema.linked_tables:
        target = linked.foreign_name or linked.name
        where = linked.database or "(unknown database)"
        objects.append(
            SourceObject(
                linked.name,
                stream_name_for(linked.name),
                "linked table",
                skip_reason=f"linked table ({linked.kind}) -> {target!r} in {where}: not followed",
            )
        )
    for query in schema.queries:
        hidden = " (hidden form/report record source)" if query.hidden else ""
        objects.append(
            SourceObject(
                query.name,
                stream_name_for(query.name),
                "query",
                skip_reason=f"saved query{hidden}: not evaluated (the tap copies tables only)",
            )
        )
    check_name_collisions(objects)
    return objects


def check_name_collisions(objects: Sequence[SourceObject]) -> None:
    """Fail if two objects map to one stream name (or to the audit stream)."""
    seen: dict[str, str] = {AUDIT_STREAM_NAME: "the audit stream"}
    for obj in objects:
        other = seen.get(obj.stream_name)
        if other is not None:
            msg = (
                f"stream name collision: {obj.name!r} and {other!r} both map to "
                f"stream {obj.stream_name!r}"
            )
            raise AccessError(msg)
        seen[obj.stream_name] = obj.name


def _matches(obj: SourceObject, patterns: Sequence[str]) -> bool:
    names = {obj.name, obj.stream_name}
    return any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns)


def apply_config_filters(
    objects: Sequence[SourceObject],
    *,
    tables: Sequence[str] | None,
    exclude_tables: Sequence[str] | None,
) -> list[str]:
    """Mark tables excluded by config; return ``tables`` patterns matching no table."""
    candidates = [obj for obj in objects if obj.object_type == "table"]
    for obj in candidates:
        if tables and not _matches(obj, tables):
            obj.deselect_reason = "not matched by the 'tables' setting"
        elif exclude_tables and _matches(obj, exclude_tables):
            obj.deselect_reason = "matched by the 'exclude_tables' setting"
    return [
        pattern
        for pattern in tables or ()
        if not any(_matches(obj, [pattern]) for obj in candidates)
    ]


def apply_unsupported_policy(
    objects: Sequence[SourceObject], *, calculated_columns: str, on_unsupported: str
) -> None:
    """Omit calculated columns (``calculated_columns: omit``) and skip unreadable tables
    (``on_unsupported: skip``). With the defaults (``fail``) nothing changes here: the
    sync refuses to start (see ``TapMSAccess.check_selected``)."""
    for obj in objects:
        table = obj.table
        if table is None or not obj.streamed:
            continue
        omitted = {}
        if calculated_columns == "omit":
            omitted = {
                c.name: f"calculated column (expression {c.calculated_expression}): omitted"
                for c in table.columns
                if c.calculated_expression is not None
            }
        obj.omitted_columns = omitted or None
        problem = unsupported_problem(table, set(omitted))
        if problem and on_unsupported == "skip":
            obj.skip_reason = problem


def unsupported_problem(table: AccessTable, omitted: set[str]) -> str | None:
    """Why the table cannot be copied faithfully (names every such column), or None."""
    if table.error:
        return f"table {table.name!r}: {table.error}"
    problems = [
        f"column {column.name!r}: {column.unsupported_reason}"
        for column in table.unsupported_columns
        if column.name not in omitted
    ]
    if not problems:
        return None
    return f"table {table.name!r} " + "; ".join(problems)
