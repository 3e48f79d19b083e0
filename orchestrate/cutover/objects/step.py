"""`cutover objects <system>`: after dbt has built the final tables, carry the PostgreSQL
source's non-row objects into the candidate schema (see catalog.py for how, carry.py for
the order). Function bodies are written against the application's schema, which the
candidate schema becomes at `cutover switch`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg

from cutover.errors import CutoverError
from cutover.gx.contracts import SystemContracts
from cutover.objects.catalog import Catalog, read_catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchemaFold:
    """Where the source's schemas go: all into the one candidate schema (built by dbt),
    named in function bodies as the application's schema."""

    source_schemas: tuple[str, ...]
    candidate: str
    app: str
    tables: tuple[str, ...]  # the source tables migrated (bare names)

    @property
    def body_map(self) -> dict[str, str]:
        return dict.fromkeys(self.source_schemas, self.app)


def fold_for(contracts: SystemContracts, reader: object) -> SchemaFold:
    from cutover.switch import schemas_of

    names = schemas_of(contracts)
    tables = tuple(t.source_table for t in contracts.tables)
    qualified = getattr(reader, "qualified_name", None)
    if qualified is None:
        raise CutoverError(
            f"{contracts.system}: `cutover objects` carries a PostgreSQL source's objects; "
            f"this system's source is {getattr(reader, 'kind', '?')}"
        )
    schemas = tuple(dict.fromkeys(qualified(t)[0] for t in tables))
    return SchemaFold(schemas, names.candidate, names.app, tables)


def source_catalog(reader: object, fold: SchemaFold) -> Catalog:
    return read_catalog(
        reader.connection,  # type: ignore[attr-defined]
        fold.source_schemas,
        schema_map=fold.body_map,
        tables=fold.tables,
    )


def carry_system(system: str, *, print_only: bool = False) -> int:
    from cutover.cli import _system_contracts
    from cutover.objects.carry import carry, statements_for
    from cutover.settings import TargetSettings
    from cutover.sources.registry import open_source

    contracts = _system_contracts(system)
    with open_source(system) as reader:
        fold = fold_for(contracts, reader)  # type: ignore[arg-type]
        catalog = source_catalog(reader, fold)
    if print_only:
        print("\n".join(statements_for(catalog, fold.candidate)))
        return 0
    target = TargetSettings.from_environment()
    with psycopg.connect(target.conninfo(), connect_timeout=10, autocommit=True) as conn:
        if not conn.execute(
            "select 1 from pg_namespace where nspname = %s", (fold.candidate,)
        ).fetchone():
            raise CutoverError(
                f"{system}: no candidate schema {fold.candidate}: run dbt (the migrate-{system} "
                "job's dbt step) before `cutover objects`"
            )
        result = carry(catalog, conn, fold.candidate)
    print(
        f"{system}: {', '.join(fold.source_schemas)} -> {fold.candidate} "
        f"(function bodies name {fold.app}); {result.describe()}"
    )
    return 0
