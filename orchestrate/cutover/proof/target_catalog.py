"""What a PostgreSQL schema holds, by object kind, read from the system catalogs.

The result is plain frozen data, ordered by name, so two reads compare with `==` and
`TargetSchema.counts()` can be set against what the legacy source declared.

Scope rules (the same for every kind):
- Partitioned tables are reported once (relkind 'p'); their partitions (relispartition)
  are skipped, with the indexes and constraints cloned onto them. Triggers cloned from a
  partitioned table onto its partitions are skipped too; triggers and policies created
  directly on a partition are still reported.
- Objects owned by an extension (pg_depend deptype 'e') are left out: they belong to the
  extension, not to the migration.
- NOT NULL constraints are catalogued rows (contype 'n') only from PostgreSQL 18; before
  that `not_null_constraint_names` is empty and `TargetColumn.not_null` is the only record.

Works on PostgreSQL 13 to 18.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

IDENTITY_KINDS = {"a": "always", "d": "by default"}
POLICY_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
FUNCTION_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window"}
# pg_depend deptype for a sequence owned by a column: 'i' for identity, 'a' for serial
# (and for any `ALTER SEQUENCE ... OWNED BY`).
OWNED_SEQUENCE_KINDS = {"i": "identity", "a": "serial"}


@dataclass(frozen=True)
class TargetColumn:
    name: str
    data_type: str
    not_null: bool
    default: str | None
    identity: str | None  # 'always' | 'by default'
    generated: str | None = None  # expression of a GENERATED ALWAYS AS (...) column


@dataclass(frozen=True)
class PrimaryKey:
    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    parent_schema: str
    parent_table: str
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class UniqueConstraint:
    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class CheckConstraint:
    name: str
    expression: str  # pg_get_constraintdef, e.g. "CHECK ((qty >= 0))"


@dataclass(frozen=True)
class ExclusionConstraint:
    name: str
    definition: str


@dataclass(frozen=True)
class TargetIndex:
    name: str
    columns: tuple[str, ...]  # key columns: a column name or the expression's text
    unique: bool
    primary: bool
    constraint: str | None  # the PK/UNIQUE/EXCLUDE constraint this index backs
    partial: bool
    method: str  # btree, hash, gin, gist, hnsw, ...


@dataclass(frozen=True)
class OwnedSequence:
    column: str
    schema: str
    name: str
    kind: str  # 'identity' | 'serial'


@dataclass(frozen=True)
class TargetTable:
    name: str
    columns: tuple[TargetColumn, ...]
    primary_key: PrimaryKey | None
    foreign_keys: tuple[ForeignKey, ...]
    unique_constraints: tuple[UniqueConstraint, ...]
    check_constraints: tuple[CheckConstraint, ...]
    exclusion_constraints: tuple[ExclusionConstraint, ...]
    not_null_constraint_names: tuple[str, ...]
    indexes: tuple[TargetIndex, ...]
    sequences: tuple[OwnedSequence, ...]
    rls_enabled: bool
    rls_forced: bool
    has_comment: bool
    column_comments: int
    partitioned: bool

    def column(self, name: str) -> TargetColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    def index(self, name: str) -> TargetIndex | None:
        return next((i for i in self.indexes if i.name == name), None)


@dataclass(frozen=True)
class TargetFunction:
    name: str
    arguments: str  # pg_get_function_identity_arguments
    kind: str  # function | procedure | aggregate | window


@dataclass(frozen=True)
class TargetTrigger:
    table: str
    name: str


@dataclass(frozen=True)
class TargetPolicy:
    table: str
    name: str
    command: str  # SELECT | INSERT | UPDATE | DELETE | ALL
    roles: tuple[str, ...]  # 'public' for PUBLIC


@dataclass(frozen=True)
class SequenceOwner:
    schema: str
    table: str
    column: str
    kind: str  # 'identity' | 'serial'


@dataclass(frozen=True)
class TargetSequence:
    name: str
    data_type: str
    start: int
    increment: int
    min_value: int
    max_value: int
    cycle: bool
    owned_by: SequenceOwner | None


@dataclass(frozen=True)
class TargetSchema:
    schema: str
    exists: bool
    owner: str | None
    tables: tuple[TargetTable, ...] = ()
    views: tuple[str, ...] = ()
    materialized_views: tuple[str, ...] = ()
    functions: tuple[TargetFunction, ...] = ()
    triggers: tuple[TargetTrigger, ...] = ()
    policies: tuple[TargetPolicy, ...] = ()
    sequences: tuple[TargetSequence, ...] = ()

    def table(self, name: str) -> TargetTable | None:
        return next((t for t in self.tables if t.name == name), None)

    def counts(self) -> dict[str, int]:
        tables = self.tables
        return {
            "tables": len(tables),
            "columns": sum(len(t.columns) for t in tables),
            "primary_keys": sum(t.primary_key is not None for t in tables),
            "foreign_keys": sum(len(t.foreign_keys) for t in tables),
            "unique_constraints": sum(len(t.unique_constraints) for t in tables),
            "check_constraints": sum(len(t.check_constraints) for t in tables),
            "not_null_columns": sum(c.not_null for t in tables for c in t.columns),
            "indexes": sum(len(t.indexes) for t in tables),
            "sequences": len(self.sequences),
            "views": len(self.views),
            "materialized_views": len(self.materialized_views),
            "functions": len(self.functions),
            "triggers": len(self.triggers),
            "policies": len(self.policies),
        }


def read_schema(conn: psycopg.Connection, schema: str) -> TargetSchema:
    """Everything `schema` holds; a schema that does not exist gives `exists=False`."""
    found = _schema_row(conn, schema)
    if found is None:
        return TargetSchema(schema=schema, exists=False, owner=None)
    schema_oid, owner = found
    relations = _relations(conn, schema_oid)
    return TargetSchema(
        schema=schema,
        exists=True,
        owner=owner,
        tables=_read_tables(conn, [r for r in relations if r["relkind"] in ("r", "p")]),
        views=tuple(sorted(r["relname"] for r in relations if r["relkind"] == "v")),
        materialized_views=tuple(sorted(r["relname"] for r in relations if r["relkind"] == "m")),
        functions=_functions(conn, schema_oid),
        triggers=_triggers(conn, schema_oid),
        policies=_policies(conn, schema_oid),
        sequences=_sequences(conn, schema_oid),
    )


def read_table(conn: psycopg.Connection, schema: str, table: str) -> TargetTable | None:
    """One table (or partitioned table) of `schema`, or None when there is no such table."""
    found = _schema_row(conn, schema)
    if found is None:
        return None
    relations = [
        r
        for r in _relations(conn, found[0])
        if r["relname"] == table and r["relkind"] in ("r", "p")
    ]
    tables = _read_tables(conn, relations)
    return tables[0] if tables else None


_NOT_EXTENSION_MEMBER = """
not exists (
    select 1 from pg_depend e
    where e.classid = '{catalog}'::regclass and e.objid = {oid} and e.deptype = 'e'
)"""


def _not_extension_member(catalog: str, oid: str) -> str:
    return _NOT_EXTENSION_MEMBER.format(catalog=catalog, oid=oid)


def _rows(conn: psycopg.Connection, query: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)  # type: ignore[arg-type]  # built from constants only
        return cur.fetchall()


def _schema_row(conn: psycopg.Connection, schema: str) -> tuple[int, str] | None:
    row = conn.execute(
        "select oid, pg_get_userbyid(nspowner) from pg_namespace where nspname = %s", [schema]
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def _relations(conn: psycopg.Connection, schema_oid: int) -> list[dict[str, Any]]:
    return _rows(
        conn,
        f"""
        select c.oid, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
               obj_description(c.oid, 'pg_class') is not null as has_comment,
               (select count(*) from pg_description d
                where d.classoid = 'pg_class'::regclass and d.objoid = c.oid
                  and d.objsubid > 0) as column_comments
        from pg_class c
        where c.relnamespace = %s
          and c.relkind in ('r', 'p', 'v', 'm')
          and not c.relispartition
          and {_not_extension_member("pg_class", "c.oid")}
        order by c.relname
        """,
        [schema_oid],
    )


def _read_tables(
    conn: psycopg.Connection, relations: Sequence[dict[str, Any]]
) -> tuple[TargetTable, ...]:
    if not relations:
        return ()
    oids = [int(r["oid"]) for r in relations]
    columns = _columns(conn, oids)
    constraints = _constraints(conn, oids)
    indexes = _indexes(conn, oids)
    owned = _owned_sequences(conn, oids)
    return tuple(
        _table(r, columns[r["oid"]], constraints[r["oid"]], indexes[r["oid"]], owned[r["oid"]])
        for r in sorted(relations, key=lambda r: r["relname"])
    )


def _table(
    relation: dict[str, Any],
    columns: list[TargetColumn],
    constraints: list[dict[str, Any]],
    indexes: list[TargetIndex],
    owned: list[OwnedSequence],
) -> TargetTable:
    def of_type(contype: str) -> list[dict[str, Any]]:
        return sorted((c for c in constraints if c["contype"] == contype), key=lambda c: c["name"])

    primary = of_type("p")
    return TargetTable(
        name=relation["relname"],
        columns=tuple(columns),
        primary_key=PrimaryKey(primary[0]["name"], tuple(primary[0]["columns"]))
        if primary
        else None,
        foreign_keys=tuple(
            ForeignKey(
                name=c["name"],
                columns=tuple(c["columns"]),
                parent_schema=c["parent_schema"],
                parent_table=c["parent_table"],
                parent_columns=tuple(c["parent_columns"]),
            )
            for c in of_type("f")
        ),
        unique_constraints=tuple(
            UniqueConstraint(c["name"], tuple(c["columns"])) for c in of_type("u")
        ),
        check_constraints=tuple(CheckConstraint(c["name"], c["definition"]) for c in of_type("c")),
        exclusion_constraints=tuple(
            ExclusionConstraint(c["name"], c["definition"]) for c in of_type("x")
        ),
        not_null_constraint_names=tuple(c["name"] for c in of_type("n")),
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        sequences=tuple(sorted(owned, key=lambda s: (s.column, s.schema, s.name))),
        rls_enabled=bool(relation["relrowsecurity"]),
        rls_forced=bool(relation["relforcerowsecurity"]),
        has_comment=bool(relation["has_comment"]),
        column_comments=int(relation["column_comments"]),
        partitioned=relation["relkind"] == "p",
    )


def _by_relation(rows: Iterable[tuple[int, Any]]) -> defaultdict[int, list[Any]]:
    grouped: defaultdict[int, list[Any]] = defaultdict(list)
    for oid, item in rows:
        grouped[oid].append(item)
    return grouped


def _columns(conn: psycopg.Connection, oids: list[int]) -> defaultdict[int, list[TargetColumn]]:
    rows = _rows(
        conn,
        """
        select a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod) as data_type,
               a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid) as expression,
               a.attidentity::text as identity, a.attgenerated::text as generated
        from pg_attribute a
        left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
        where a.attrelid = any(%s::oid[]) and a.attnum > 0 and not a.attisdropped
        order by a.attrelid, a.attnum
        """,
        [oids],
    )
    return _by_relation((r["attrelid"], _column(r)) for r in rows)


def _column(row: dict[str, Any]) -> TargetColumn:
    # A generated column keeps its expression in pg_attrdef: report it as such, not as a default.
    generated = row["expression"] if row["generated"] else None
    return TargetColumn(
        name=row["attname"],
        data_type=row["data_type"],
        not_null=bool(row["attnotnull"]),
        default=None if generated else row["expression"],
        identity=IDENTITY_KINDS.get(row["identity"]),
        generated=generated,
    )


def _constraints(
    conn: psycopg.Connection, oids: list[int]
) -> defaultdict[int, list[dict[str, Any]]]:
    rows = _rows(
        conn,
        """
        select con.conrelid, con.conname as name, con.contype::text as contype,
               pg_get_constraintdef(con.oid) as definition,
               array(select a.attname::text
                     from unnest(con.conkey) with ordinality k(attnum, ord)
                     join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
                     order by k.ord) as columns,
               pn.nspname as parent_schema, pc.relname as parent_table,
               array(select a.attname::text
                     from unnest(con.confkey) with ordinality k(attnum, ord)
                     join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
                     order by k.ord) as parent_columns
        from pg_constraint con
        left join pg_class pc on pc.oid = con.confrelid
        left join pg_namespace pn on pn.oid = pc.relnamespace
        where con.conrelid = any(%s::oid[])
        """,
        [oids],
    )
    return _by_relation((r["conrelid"], r) for r in rows)


def _indexes(conn: psycopg.Connection, oids: list[int]) -> defaultdict[int, list[TargetIndex]]:
    rows = _rows(
        conn,
        """
        select i.indrelid, ic.relname as name, am.amname as method,
               i.indisunique, i.indisprimary, i.indpred is not null as partial,
               con.conname as constraint_name,
               array(select case when i.indkey[k] <> 0 then a.attname::text
                                 else pg_get_indexdef(i.indexrelid, k + 1, true) end
                     from generate_series(0, i.indnkeyatts - 1) k
                     left join pg_attribute a
                       on a.attrelid = i.indrelid and a.attnum = i.indkey[k]
                     order by k) as columns
        from pg_index i
        join pg_class ic on ic.oid = i.indexrelid
        join pg_am am on am.oid = ic.relam
        left join pg_constraint con
          on con.conindid = i.indexrelid and con.conrelid = i.indrelid
         and con.contype in ('p', 'u', 'x')
        where i.indrelid = any(%s::oid[])
        """,
        [oids],
    )
    return _by_relation(
        (
            r["indrelid"],
            TargetIndex(
                name=r["name"],
                columns=tuple(r["columns"]),
                unique=bool(r["indisunique"]),
                primary=bool(r["indisprimary"]),
                constraint=r["constraint_name"],
                partial=bool(r["partial"]),
                method=r["method"],
            ),
        )
        for r in rows
    )


def _owned_sequences(
    conn: psycopg.Connection, oids: list[int]
) -> defaultdict[int, list[OwnedSequence]]:
    rows = _rows(
        conn,
        """
        select d.refobjid, a.attname, sn.nspname, s.relname, d.deptype::text as deptype
        from pg_depend d
        join pg_class s on s.oid = d.objid and s.relkind = 'S'
        join pg_namespace sn on sn.oid = s.relnamespace
        join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
        where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
          and d.deptype in ('a', 'i') and d.refobjsubid > 0
          and d.refobjid = any(%s::oid[])
        """,
        [oids],
    )
    return _by_relation(
        (
            r["refobjid"],
            OwnedSequence(
                column=r["attname"],
                schema=r["nspname"],
                name=r["relname"],
                kind=OWNED_SEQUENCE_KINDS[r["deptype"]],
            ),
        )
        for r in rows
    )


def _functions(conn: psycopg.Connection, schema_oid: int) -> tuple[TargetFunction, ...]:
    rows = _rows(
        conn,
        f"""
        select p.proname, pg_get_function_identity_arguments(p.oid) as arguments,
               p.prokind::text as prokind
        from pg_proc p
        where p.pronamespace = %s and {_not_extension_member("pg_proc", "p.oid")}
        """,
        [schema_oid],
    )
    functions = (
        TargetFunction(r["proname"], r["arguments"], FUNCTION_KINDS.get(r["prokind"], "?"))
        for r in rows
    )
    return tuple(sorted(functions, key=lambda f: (f.name, f.arguments)))


def _triggers(conn: psycopg.Connection, schema_oid: int) -> tuple[TargetTrigger, ...]:
    # tgparentid <> 0 marks a clone of a partitioned table's trigger (PostgreSQL 15+;
    # on 13 and 14 clones are tgisinternal instead). A trigger whose function belongs to an
    # extension is the extension's (TimescaleDB's ts_insert_blocker on a hypertable).
    rows = conn.execute(
        f"""
        select c.relname, t.tgname
        from pg_trigger t join pg_class c on c.oid = t.tgrelid
        where c.relnamespace = %s and not t.tgisinternal and t.tgparentid = 0
          and {_not_extension_member("pg_proc", "t.tgfoid")}
        """,
        [schema_oid],
    ).fetchall()
    return tuple(TargetTrigger(table, name) for table, name in sorted(rows))


def _policies(conn: psycopg.Connection, schema_oid: int) -> tuple[TargetPolicy, ...]:
    rows = conn.execute(
        """
        select c.relname, p.polname, p.polcmd::text,
               array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end
                     from unnest(p.polroles) r)
        from pg_policy p join pg_class c on c.oid = p.polrelid
        where c.relnamespace = %s
        """,
        [schema_oid],
    ).fetchall()
    return tuple(
        TargetPolicy(table, name, POLICY_COMMANDS.get(cmd, cmd), tuple(sorted(roles)))
        for table, name, cmd, roles in sorted(rows, key=lambda r: (r[0], r[1]))
    )


def _sequences(conn: psycopg.Connection, schema_oid: int) -> tuple[TargetSequence, ...]:
    rows = _rows(
        conn,
        f"""
        select s.relname, format_type(q.seqtypid, null) as data_type, q.seqstart,
               q.seqincrement, q.seqmin, q.seqmax, q.seqcycle,
               tn.nspname as owner_schema, t.relname as owner_table,
               a.attname as owner_column, d.deptype::text as deptype
        from pg_class s
        join pg_sequence q on q.seqrelid = s.oid
        left join pg_depend d
          on d.classid = 'pg_class'::regclass and d.objid = s.oid
         and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
         and d.refobjsubid > 0
        left join pg_class t on t.oid = d.refobjid
        left join pg_namespace tn on tn.oid = t.relnamespace
        left join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
        where s.relnamespace = %s and s.relkind = 'S'
          and {_not_extension_member("pg_class", "s.oid")}
        order by s.relname
        """,
        [schema_oid],
    )
    return tuple(
        TargetSequence(
            name=r["relname"],
            data_type=r["data_type"],
            start=int(r["seqstart"]),
            increment=int(r["seqincrement"]),
            min_value=int(r["seqmin"]),
            max_value=int(r["seqmax"]),
            cycle=bool(r["seqcycle"]),
            owned_by=SequenceOwner(
                schema=r["owner_schema"],
                table=r["owner_table"],
                column=r["owner_column"],
                kind=OWNED_SEQUENCE_KINDS[r["deptype"]],
            )
            if r["deptype"]
            else None,
        )
        for r in rows
    )
