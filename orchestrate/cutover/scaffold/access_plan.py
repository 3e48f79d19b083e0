"""The plan of an MS Access source: its tables with the types of access_types.py, its
relationships (MSysRelationships) as foreign keys, its primary keys, unique and other
indexes (mdbtools), AutoNumber columns as identities. Rendering is shared with SQLite."""

from __future__ import annotations

from pathlib import Path

from cutover.errors import CutoverError
from cutover.scaffold.access_types import map_access_column
from cutover.scaffold.identifiers import pg_identifiers
from cutover.scaffold.plan import (
    SYSTEM_NAME,
    SystemPlan,
    align_foreign_keys,
    parents_first,
    plan_table,
)
from cutover.scaffold.sqlite_types import ColumnMapping
from cutover.sources.base import SourceTable
from cutover.sources.msaccess import AccessSource


def plan_access(system: str, path: Path, settings: dict[str, str]) -> SystemPlan:
    """`settings`: the tap settings the file needs (`jet3_charset`, `password`)."""
    if not SYSTEM_NAME.match(system):
        raise CutoverError(
            f"system name {system!r}: use lowercase letters, digits and _ (starting with a "
            "letter, at most 31 characters): it becomes schema and model names"
        )
    with AccessSource(
        path,
        password=settings.get("password") or None,
        jet3_charset=settings.get("jet3_charset") or None,
    ) as reader:
        schema = reader.schema()
    skipped = [(s.name, f"{s.kind}: {s.reason}") for s in schema.skipped]
    keyed: list[SourceTable] = []
    for table in schema.tables:
        if table.primary_key:
            keyed.append(table)
        else:
            skipped.append(
                (
                    table.name,
                    "no primary key in the Access file, so its rows cannot be proven one by "
                    "one: give it a primary key (an AutoNumber ID) in Access and scaffold "
                    "again; the gate counts it as a missing table until then",
                )
            )
    table_names = pg_identifiers([t.name for t in keyed])
    column_names = {t.name: pg_identifiers([c.name for c in t.columns]) for t in keyed}
    mappings: dict[str, dict[str, ColumnMapping]] = {
        t.name: {
            c.name: map_access_column(c.declared_type, where=f"{t.name}.{c.name}")
            for c in t.columns
        }
        for t in keyed
    }
    align_foreign_keys(keyed, mappings)
    tables = tuple(plan_table(t, table_names, column_names, mappings[t.name]) for t in keyed)
    extractor_config = {key: settings[key] for key in ("jet3_charset",) if settings.get(key)}
    return SystemPlan(
        system=system,
        source_path=path,
        tables=parents_first(tables),
        skipped=tuple(skipped),
        views=tuple(schema.views),
        has_sqlite_sequence=False,
        extractor="tap-msaccess",
        extractor_config=tuple(extractor_config.items()),
    )
