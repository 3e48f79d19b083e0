"""The gate's part for a PostgreSQL source's non-row objects.

At capture, the source's objects, the guide's per-kind counts and each materialized
view's row count are stored with the source inventory. At the gate, the candidate schema
is read back the same way; its materialized views are refreshed (the time-series rollup
the gate promises) and must hold as many rows as the source's; and the report says which
time-series path the target took (TimescaleDB hypertable, or monthly partitions).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from cutover.gx.contracts import SystemContracts
from cutover.objects.carry import continuous_aggregates
from cutover.objects.catalog import Catalog, DbObject, read_catalog
from cutover.objects.parity import (
    compare_objects,
    guide_counts,
    guide_problems,
    guide_table,
    partition_counts,
)
from cutover.objects.step import fold_for, source_catalog
from cutover.proof.parity import Explanations, KindParity


def objects_inventory(contracts: SystemContracts, reader: Any) -> dict[str, Any]:
    """What the gate needs from the source, read while the source is open at capture."""
    fold = fold_for(contracts, reader)
    catalog = source_catalog(reader, fold)
    conn: psycopg.Connection = reader.connection
    matviews = {}
    for obj in catalog.of("materialized view"):
        schema = _schema_of(conn, obj.name, fold.source_schemas)
        query = sql.SQL("select count(*) from {}").format(sql.Identifier(schema, obj.name))
        matviews[obj.name] = int(conn.execute(query).fetchone()[0])  # type: ignore[index]
    return {
        "schemas": list(fold.source_schemas),
        "objects": [asdict(o) for o in catalog.objects],
        "guide_counts": guide_counts(conn, fold.source_schemas),
        "matview_rows": matviews,
    }


def _schema_of(conn: psycopg.Connection, relname: str, schemas: tuple[str, ...]) -> str:
    row = conn.execute(
        "select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where c.relname = %s and n.nspname = any(%s)",
        (relname, list(schemas)),
    ).fetchone()
    assert row is not None, relname
    return str(row[0])


@dataclass
class ObjectsReport:
    parity: list[KindParity] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def check_objects(
    conn: psycopg.Connection, inventory: dict[str, Any], schema: str, explanations: Explanations
) -> ObjectsReport:
    report = ObjectsReport()
    source = Catalog(
        tuple(inventory["schemas"]),
        tuple(
            DbObject(**{**o, "statements": tuple(o["statements"])}) for o in inventory["objects"]
        ),
    )
    report.lines.append(time_series_path(conn, schema))
    report.lines += refresh_matviews(conn, schema, inventory.get("matview_rows", {}), report)
    target = read_catalog(conn, [schema])
    aggregates = continuous_aggregates(conn, schema)
    if aggregates:  # TimescaleDB: the aggregate replaces the source's materialized view
        reasons = dict(explanations.reasons)
        why = "a TimescaleDB continuous aggregate of the same data (time_series model)"
        for obj in source.objects:
            if obj.kind == "materialized view" and obj.name in aggregates:
                reasons[("materialized views", obj.name)] = why
            if obj.kind == "index" and obj.name.split(".", 1)[0] in aggregates:
                reasons[("materialized view indexes", obj.name)] = why
        explanations = Explanations(reasons)
    report.parity = compare_objects(source, target, explanations)
    target_counts = guide_counts(conn, [schema])
    notes = guide_notes(conn, schema, inventory["guide_counts"], target_counts)
    report.lines.append(guide_table(inventory["guide_counts"], target_counts, notes))
    report.problems += guide_problems(inventory["guide_counts"], target_counts, notes)
    return report


def time_series_path(conn: psycopg.Connection, schema: str) -> str:
    timescale = conn.execute(
        "select extversion from pg_extension where extname = 'timescaledb'"
    ).fetchone()
    if timescale:
        rows = conn.execute(
            "select hypertable_name, num_chunks, compression_enabled "
            "from timescaledb_information.hypertables where hypertable_schema = %s",
            (schema,),
        ).fetchall()
        tables = ", ".join(
            f"{n} ({c} chunks, compression {'on' if z else 'off'})" for n, c, z in rows
        )
        return f"time-series path: TimescaleDB {timescale[0]} hypertables: {tables or 'none'}"
    rows = conn.execute(
        """
        select p.relname,
               count(c.oid) filter (where pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'),
               pg_get_partkeydef(p.oid)
          from pg_class p join pg_namespace n on n.oid = p.relnamespace
          left join pg_inherits i on i.inhparent = p.oid
          left join pg_class c on c.oid = i.inhrelid
         where n.nspname = %s and p.relkind = 'p'
         group by p.relname, p.oid order by 1
        """,
        (schema,),
    ).fetchall()
    tables = ", ".join(
        f"{n} {key} ({count} monthly partitions + default)" for n, count, key in rows
    )
    return (
        "time-series path: native partitioning (TimescaleDB is not installed on the target): "
        + (tables or "no partitioned table")
    )


def refresh_matviews(
    conn: psycopg.Connection, schema: str, source_rows: dict[str, int], report: ObjectsReport
) -> list[str]:
    lines = []
    names = [
        r[0]
        for r in conn.execute(
            "select matviewname from pg_matviews where schemaname = %s order by 1", (schema,)
        )
    ]
    for name in names:
        relation = sql.Identifier(schema, name)
        clock = time.perf_counter()
        conn.execute(sql.SQL("refresh materialized view {}").format(relation))
        rows = int(conn.execute(sql.SQL("select count(*) from {}").format(relation)).fetchone()[0])  # type: ignore[index]
        seconds = time.perf_counter() - clock
        expected = source_rows.get(name)
        verdict = "" if expected is None else f", source {expected:,}"
        lines.append(f"refreshed {name}: {rows:,} rows in {seconds:.1f} s{verdict}")
        if expected is not None and rows != expected:
            report.problems.append(
                f"materialized view {name}: {rows:,} rows after refresh, "
                f"the source has {expected:,}"
            )
    conn.commit()
    return lines


def guide_notes(
    conn: psycopg.Connection, schema: str, source: dict[str, int], target: dict[str, int]
) -> dict[str, str]:
    """Why a count of the guide's query may differ, when the difference is exactly that."""
    partitions, indexes, triggers = partition_counts(conn, [schema])
    notes = {}
    if partitions and target.get("Tables", 0) - partitions == source.get("Tables", 0):
        notes["Tables"] = f"{partitions} partitions (pg_tables lists each)"
    if indexes and target.get("Indexes", 0) - indexes == source.get("Indexes", 0):
        notes["Indexes"] = f"{indexes} indexes of the partitions"
    if triggers and target.get("Triggers", 0) - triggers == source.get("Triggers", 0):
        notes["Triggers"] = f"{triggers} triggers cloned onto the partitions"
    return notes
