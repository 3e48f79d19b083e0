"""The plan of an MS Access source: its tables with the types of access_types.py, its
relationships (MSysRelationships) as foreign keys, its primary keys, unique and other
indexes (mdbtools), AutoNumber columns as identities. Rendering is shared with SQLite."""

from __future__ import annotations

from pathlib import Path

from cutover.scaffold.access_types import map_access_column
from cutover.scaffold.plan import SystemPlan, check_system_name, plan_declared_types
from cutover.sources.msaccess import AccessSource

NO_KEY = (
    "no primary key in the Access file, so its rows cannot be proven one by one: give it a "
    "primary key (an AutoNumber ID) in Access and scaffold again; the gate counts it as a "
    "missing table until then"
)


def plan_access(system: str, path: Path, settings: dict[str, str]) -> SystemPlan:
    """`settings`: the tap settings the file needs (`jet3_charset`, `password`)."""
    check_system_name(system)
    with AccessSource(
        path,
        password=settings.get("password") or None,
        jet3_charset=settings.get("jet3_charset") or None,
    ) as reader:
        schema = reader.schema()
    return plan_declared_types(
        system,
        schema,
        lambda table, column: map_access_column(
            column.declared_type, where=f"{table.name}.{column.name}"
        ),
        no_key=NO_KEY,
        source_path=path,
        extractor="tap-msaccess",
        extractor_config=tuple(
            (key, settings[key]) for key in ("jet3_charset",) if settings.get(key)
        ),
    )
