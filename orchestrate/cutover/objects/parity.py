"""Object parity of the non-row kinds: the source's objects (captured) against the ones
read back from the target's candidate schema, by name and by definition.

Both sides are read by the same catalog reader, so an object that was carried faithfully
reads back as the same text; anything else is named. A sequence must be at least where
the source's was. Differences a system intends are explained in
`expectations/parity/<system>.yml` (kind = the plural below, object = the name).

Also here: the guide's verification query (seed 002, 6단계: tables, views, functions,
triggers, policies, indexes), counted on the source's schemas and on the candidate schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from cutover.objects.catalog import ORDER, Catalog, DbObject
from cutover.proof.parity import Explanations, KindParity

KIND_LABELS = {
    "role": "roles",
    "schema owner": "schema owner",
    "function": "functions",
    "view": "view definitions",
    "materialized view": "materialized views",
    "index": "materialized view indexes",
    "default": "column defaults",
    "trigger": "trigger definitions",
    "row security": "row level security",
    "policy": "policies",
    "owner": "owners",
    "grant": "grants",
    "default privilege": "default privileges",
    "sequence": "sequence values",
    "comment": "comments",
}


def compare_objects(
    source: Catalog, target: Catalog, explanations: Explanations
) -> list[KindParity]:
    rows = []
    for kind in ORDER:
        label = KIND_LABELS[kind]
        row = KindParity(label)
        wanted = {o.name: o for o in source.of(kind)}
        actual = {o.name: o for o in target.of(kind)}
        row.source, row.target = len(wanted), len(actual)
        for name in sorted(set(wanted) - set(actual)):
            _missing(row, explanations, label, name, "")
        for name in sorted(set(actual) - set(wanted)):
            if why := explanations.reason(label, name):
                row.explained.append(f"{name}: {why}")
            else:
                row.unexplained.append(name)
        for name in sorted(set(wanted) & set(actual)):
            problem = _difference(wanted[name], actual[name])
            if problem:
                _missing(row, explanations, label, name, problem)
        rows.append(row)
    return rows


def _missing(row: KindParity, explanations: Explanations, label: str, name: str, why: str) -> None:
    reason = explanations.reason(label, name)
    if reason:
        row.explained.append(f"{name}: {reason}")
    else:
        row.missing.append(f"{name}{': ' + why if why else ''}")


def _difference(source: DbObject, target: DbObject) -> str:
    if source.kind == "sequence":
        if source.definition != target.definition:
            return f"source {source.shown()!r}, target {target.shown()!r}"
        if (target.value or 0) < (source.value or 0):
            return f"at {target.value} on the target, below the source's {source.value}"
        return ""
    if source.definition != target.definition:
        return (
            "differs on the target: source "
            f"{_short(source.shown())!r}, target {_short(target.shown())!r}"
        )
    return ""


def _short(text: str, width: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# The guide's query, one kind per line, limited to some schemas (the target database holds
# other systems too) and without extension members (pgvector's functions come with it).
GUIDE_QUERY = """
select 'Tables', count(*) from pg_tables where schemaname = any(%(s)s)
union all
select 'Views', count(*) from pg_views where schemaname = any(%(s)s)
union all
select 'Functions', count(*) from pg_proc p join pg_namespace n on p.pronamespace = n.oid
 where n.nspname = any(%(s)s)
   and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass
                   and d.objid = p.oid and d.deptype = 'e')
union all
select 'Triggers', count(*) from pg_trigger t join pg_class c on c.oid = t.tgrelid
  join pg_namespace n on n.oid = c.relnamespace
 where not t.tgisinternal and n.nspname = any(%(s)s)
   and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass
                   and d.objid = t.tgfoid and d.deptype = 'e')
union all
select 'Policies', count(*) from pg_policy p join pg_class c on c.oid = p.polrelid
  join pg_namespace n on n.oid = c.relnamespace where n.nspname = any(%(s)s)
union all
select 'Indexes', count(*) from pg_indexes where schemaname = any(%(s)s)
union all
select 'Materialized views', count(*) from pg_matviews where schemaname = any(%(s)s)
"""
GUIDE_KINDS = ("Tables", "Views", "Functions", "Triggers", "Policies", "Indexes")


def guide_counts(conn: psycopg.Connection, schemas: Sequence[str]) -> dict[str, int]:
    rows = conn.execute(GUIDE_QUERY, {"s": list(schemas)}).fetchall()
    return {str(kind): int(count) for kind, count in rows}


def partition_counts(conn: psycopg.Connection, schemas: Sequence[str]) -> tuple[int, int, int]:
    """(partitions, their indexes, their triggers): what a partitioned table adds to the
    guide's counts of tables, indexes and triggers."""
    row = conn.execute(
        """
        select count(distinct c.oid),
               count(distinct i.indexrelid),
               (select count(*) from pg_trigger t join pg_class p on p.oid = t.tgrelid
                  join pg_namespace pn on pn.oid = p.relnamespace
                 where p.relispartition and not t.tgisinternal and pn.nspname = any(%(s)s))
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          left join pg_index i on i.indrelid = c.oid
         where c.relispartition and c.relkind = 'r' and n.nspname = any(%(s)s)
        """,
        {"s": list(schemas)},
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def guide_table(source: dict[str, int], target: dict[str, int], notes: dict[str, str]) -> str:
    """The guide's verification, side by side; a difference needs its note."""
    lines = ["guide's verification query  source  target  verdict"]
    for kind in (*GUIDE_KINDS, "Materialized views"):
        a, b = source.get(kind, 0), target.get(kind, 0)
        verdict = "equal" if a == b else f"explained: {notes[kind]}" if kind in notes else "DIFFERS"
        lines.append(f"{kind.ljust(27)}  {a:>6}  {b:>6}  {verdict}")
    return "\n".join(lines)


def guide_problems(
    source: dict[str, int], target: dict[str, int], notes: dict[str, str]
) -> list[str]:
    return [
        f"guide verification: {kind}: source {source.get(kind, 0)}, target {target.get(kind, 0)}"
        for kind in (*GUIDE_KINDS, "Materialized views")
        if source.get(kind, 0) != target.get(kind, 0) and kind not in notes
    ]
