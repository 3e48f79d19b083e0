"""Apply a source's non-row objects to the target schema, after the data, in dependency
order (roles; functions; views; column defaults; triggers; row security and policies;
owners and grants; sequence values; comments), in one transaction, so a failure leaves
the schema as it was. Roles come first, in a transaction of their own: they are the
cluster's, not the schema's.

Every statement is idempotent (CREATE OR REPLACE, DROP ... IF EXISTS then CREATE, REVOKE
then GRANT, setval to at least what is there): a rerun gives the same catalog.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from cutover.errors import CutoverError
from cutover.objects.catalog import ORDER, SEQUENCE_OF, Catalog, DbObject, qident

log = logging.getLogger(__name__)


@dataclass
class CarryResult:
    schema: str
    applied: Counter[str] = field(default_factory=Counter)
    statements: int = 0
    seconds: float = 0.0
    kept: list[str] = field(default_factory=list)  # continuous aggregates kept as built

    def describe(self) -> str:
        kinds = ", ".join(f"{kind} {self.applied[kind]}" for kind in ORDER if self.applied[kind])
        kept = (
            f"; kept the continuous aggregate(s) {', '.join(self.kept)} in place of the "
            "source's materialized view(s)"
            if self.kept
            else ""
        )
        return (
            f"objects carried into {self.schema}: {kinds} "
            f"({self.statements} statements in {self.seconds:.1f} s){kept}"
        )


def carry(catalog: Catalog, conn: psycopg.Connection, schema: str) -> CarryResult:
    """Create `catalog`'s objects in `schema` of the target `conn` (roles cluster-wide)."""
    clock = time.perf_counter()
    result = CarryResult(schema)
    aggregates = continuous_aggregates(conn, schema)
    # A TimescaleDB continuous aggregate built by the time_series model takes the place of
    # the source's materialized view of the same name: it is kept, not replaced.
    ordered = [o for o in catalog.ordered() if _relation_of(o) not in aggregates]
    result.kept = sorted(aggregates)
    with conn.transaction():
        for obj in (o for o in ordered if o.cluster_wide):
            _apply(conn, obj, schema, result)
    with conn.transaction():
        conn.execute(sql.SQL("set local search_path to {}, public").format(sql.Identifier(schema)))
        for obj in (o for o in ordered if not o.cluster_wide):
            _apply(conn, obj, schema, result)
    result.seconds = time.perf_counter() - clock
    log.info(result.describe())
    return result


def continuous_aggregates(conn: psycopg.Connection, schema: str) -> set[str]:
    """Names of the TimescaleDB continuous aggregates in `schema` (none without it)."""
    if not conn.execute("select 1 from pg_extension where extname = 'timescaledb'").fetchone():
        return set()
    rows = conn.execute(
        "select view_name from timescaledb_information.continuous_aggregates "
        "where view_schema = %s",
        (schema,),
    ).fetchall()
    return {str(r[0]) for r in rows}


def _relation_of(obj: DbObject) -> str | None:
    if obj.kind == "materialized view":
        return obj.name
    if obj.kind == "index":
        return obj.name.split(".", 1)[0]
    return None


def statements_for(catalog: Catalog, schema: str) -> list[str]:
    """The SQL `carry` runs, for review (`cutover objects <system> --print`); a sequence
    is named by the column that owns it, as the target's name is only known there."""
    lines = []
    for obj in catalog.ordered():
        lines.append(f"-- {obj.kind}: {obj.name}")
        for statement in obj.ddl(schema):
            shown = SEQUENCE_OF.sub(
                lambda m: f"pg_get_serial_sequence('{m.group(1)}', '{m.group(2)}')", statement
            )
            lines.append(shown + ";")
    return lines


def _apply(conn: psycopg.Connection, obj: DbObject, schema: str, result: CarryResult) -> None:
    for statement in obj.ddl(schema):
        statement = SEQUENCE_OF.sub(lambda m: _sequence(conn, schema, m[1], m[2]), statement)
        try:
            conn.execute(statement)  # type: ignore[arg-type]
        except psycopg.Error as exc:  # the caller's transaction rolls everything back
            first = statement.strip().splitlines()[0][:160]
            raise CutoverError(
                f"objects: cannot create {obj.kind} {obj.name} in {schema}: "
                f"{str(exc).strip().splitlines()[0]} (statement: {first})"
            ) from exc
        result.statements += 1
    result.applied[obj.kind] += 1


def _sequence(conn: psycopg.Connection, schema: str, table: str, column: str) -> str:
    row = conn.execute(
        "select pg_get_serial_sequence(%s, %s)", (f"{qident(schema)}.{qident(table)}", column)
    ).fetchone()
    if not row or not row[0]:
        raise CutoverError(
            f"objects: {schema}.{table}.{column} owns no sequence on the target "
            "(its contract should declare meta.identity for it)"
        )
    return str(row[0])
