"""Every generated key is ahead of the data, proven by a test insert that is rolled back.

For each identity column and each column whose default calls `nextval(...)` ("serial"):

1. Position: the sequence's next value must be past `max(column)` (below `min(column)` for
   a descending sequence), and the sequence must not be exhausted.
2. Test insert, in a transaction that is always rolled back: every rule of the table that a
   copied row could break other than the generated key's own uniqueness is dropped (inside
   that transaction only), then one existing row is copied with the key left to its default.
   A duplicate-key error is exactly what the application would hit after cutover.

`nextval` is not transactional, so the sequence is put back (`setval(seq, last_value,
is_called)`) before the rollback, while the table is still locked: the check leaves no gap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

from cutover.errors import CutoverError
from cutover.proof.target_catalog import TargetTable, read_table

ConnectionSource = psycopg.Connection | Callable[[], psycopg.Connection]

LOCK_TIMEOUT = "5s"


@dataclass(frozen=True)
class GeneratedKey:
    """A column whose value comes from a sequence."""

    schema: str
    table: str
    column: str
    sequence_schema: str
    sequence_name: str
    kind: str  # 'identity' | 'serial'
    increment: int
    min_value: int
    max_value: int
    cycle: bool

    @property
    def sequence(self) -> str:
        return f"{self.sequence_schema}.{self.sequence_name}"


@dataclass(frozen=True)
class SequenceCheck:
    table: str
    column: str
    sequence: str  # schema.name
    kind: str  # 'identity' | 'serial'
    increment: int
    next_value: int | None  # None when the check could not read the sequence
    max_value: int | None  # max(column); None for an empty table
    min_value: int | None  # min(column); compared for descending sequences
    row_count: int
    inserted_value: int | None = None  # what the test insert generated (then rolled back)
    error: str | None = None
    note: str | None = None
    exhausted: bool = False  # nextval would fail: past the sequence's bound, no CYCLE

    @property
    def behind(self) -> bool:
        if self.next_value is None:
            return False
        if self.increment > 0:
            return self.max_value is not None and self.next_value <= self.max_value
        return self.min_value is not None and self.next_value >= self.min_value

    @property
    def problems(self) -> tuple[str, ...]:
        found = []
        if self.behind:
            found.append(self._position())
        if self.exhausted:
            found.append(f"sequence {self.sequence} is exhausted (next value {self.next_value})")
        if self.error:
            found.append(self.error)
        return tuple(found)

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        """One line naming table, column and sequence, with every reason it fails."""
        parts = list(self.problems) if not self.ok else [self._position()]
        if self.ok and self.inserted_value is not None:
            parts.append(f"test insert generated {self.inserted_value} (rolled back)")
        if self.note:
            parts.append(self.note)
        return f"{self.table}.{self.column}: " + "; ".join(parts)

    def _position(self) -> str:
        head = f"sequence {self.sequence} next value {self.next_value}"
        if self.increment > 0:
            if self.max_value is None:
                return head
            verdict = "is not past" if self.behind else "is past"
            return f"{head} {verdict} max({self.column}) {self.max_value}"
        if self.min_value is None:
            return head
        verdict = "is not below" if self.behind else "is below"
        return f"{head} {verdict} min({self.column}) {self.min_value}"


def check_sequences(
    source: ConnectionSource, schema: str, *, tables: Sequence[str] | None = None
) -> list[SequenceCheck]:
    """Check every generated key of `schema` (or of `tables` in it).

    `source` is either a connection, used for all checks and left outside any transaction,
    or a factory called once per table for a fresh connection that is closed afterwards.
    """
    with _connection(source) as conn:
        keys = _generated_keys(conn, schema, tables)
    checks = []
    for table in dict.fromkeys(key.table for key in keys):
        with _connection(source) as conn:
            checks.extend(_check_key(conn, key) for key in keys if key.table == table)
    return checks


@contextmanager
def _connection(source: ConnectionSource) -> Iterator[psycopg.Connection]:
    if isinstance(source, psycopg.Connection):
        if source.info.transaction_status != TransactionStatus.IDLE:
            # A savepoint would keep the table locks until the caller's transaction ends.
            raise CutoverError("check_sequences needs a connection with no open transaction")
        yield source
        return
    with source() as conn:
        yield conn


def _generated_keys(
    conn: psycopg.Connection, schema: str, tables: Sequence[str] | None
) -> list[GeneratedKey]:
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = %s and c.relkind in ('r', 'p') and not c.relispartition
            """,
            [schema],
        )
        known = {r["relname"] for r in cur.fetchall()}
        unknown = sorted(set(tables or ()) - known)
        if unknown:
            raise CutoverError(f"no such table in schema {schema}: {', '.join(unknown)}")
        cur.execute(GENERATED_KEYS_SQL, [schema])
        rows = cur.fetchall()
    wanted = set(tables) if tables is not None else known
    return [
        GeneratedKey(
            schema=schema,
            table=r["table_name"],
            column=r["column_name"],
            sequence_schema=r["sequence_schema"],
            sequence_name=r["sequence_name"],
            kind=r["kind"],
            increment=int(r["seqincrement"]),
            min_value=int(r["seqmin"]),
            max_value=int(r["seqmax"]),
            cycle=bool(r["seqcycle"]),
        )
        for r in rows
        if r["table_name"] in wanted
    ]


# Identity columns own their sequence through an internal dependency; a `nextval(...)`
# default (serial or a shared sequence) is found through the default's own dependency.
GENERATED_KEYS_SQL = """
with keys as (
    select d.refobjid as relid, d.refobjsubid as attnum, d.objid as seqid, 'identity' as kind
    from pg_depend d
    where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
      and d.deptype = 'i' and d.refobjsubid > 0
    union
    select ad.adrelid, ad.adnum, d.refobjid, 'serial'
    from pg_attrdef ad
    join pg_depend d on d.classid = 'pg_attrdef'::regclass and d.objid = ad.oid
                    and d.refclassid = 'pg_class'::regclass
)
select c.relname as table_name, a.attname as column_name,
       sn.nspname as sequence_schema, s.relname as sequence_name, keys.kind,
       q.seqincrement, q.seqmin, q.seqmax, q.seqcycle
from keys
join pg_class c on c.oid = keys.relid
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum = keys.attnum and not a.attisdropped
join pg_class s on s.oid = keys.seqid and s.relkind = 'S'
join pg_namespace sn on sn.oid = s.relnamespace
join pg_sequence q on q.seqrelid = s.oid
where n.nspname = %s and c.relkind in ('r', 'p') and not c.relispartition
order by c.relname, a.attnum
"""


def _check_key(conn: psycopg.Connection, key: GeneratedKey) -> SequenceCheck:
    try:
        with conn.transaction(force_rollback=True):
            return _check_in_transaction(conn, key)
    except psycopg.Error as exc:
        return SequenceCheck(
            table=key.table,
            column=key.column,
            sequence=key.sequence,
            kind=key.kind,
            increment=key.increment,
            next_value=None,
            max_value=None,
            min_value=None,
            row_count=0,
            error=f"check failed: {_message(exc)}",
        )


def _check_in_transaction(conn: psycopg.Connection, key: GeneratedKey) -> SequenceCheck:
    table_id = sql.Identifier(key.schema, key.table)
    conn.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
    # Blocks writers (readers still run) so nothing else moves the sequence through the table.
    conn.execute(sql.SQL("lock table {} in exclusive mode").format(table_id))
    last_value, is_called = _sequence_state(conn, key)
    next_value = last_value + key.increment if is_called else last_value
    row_count, low, high = _column_range(conn, key)
    position = SequenceCheck(
        table=key.table,
        column=key.column,
        sequence=key.sequence,
        kind=key.kind,
        increment=key.increment,
        next_value=next_value,
        max_value=high,
        min_value=low,
        row_count=row_count,
        exhausted=_exhausted(key, next_value),
    )
    if row_count == 0:
        return replace(position, note="table is empty: position checked only, no test insert")
    table = read_table(conn, key.schema, key.table)
    if table is None:  # dropped since the keys were listed
        return replace(position, error="check failed: table no longer exists")
    guard = _guard(table, key.column)
    _drop_other_rules(conn, key, table, guard)
    inserted, error = _test_insert(conn, key, table)
    conn.execute(
        "select setval(%s::regclass, %s, %s)",
        [
            sql.Identifier(key.sequence_schema, key.sequence_name).as_string(conn),
            last_value,
            is_called,
        ],
    )
    return replace(
        position, inserted_value=inserted, error=error, note=_guard_note(table, key, guard)
    )


def _sequence_state(conn: psycopg.Connection, key: GeneratedKey) -> tuple[int, bool]:
    row = conn.execute(
        sql.SQL("select last_value, is_called from {}").format(
            sql.Identifier(key.sequence_schema, key.sequence_name)
        )
    ).fetchone()
    assert row is not None
    return int(row[0]), bool(row[1])


def _column_range(
    conn: psycopg.Connection, key: GeneratedKey
) -> tuple[int, int | None, int | None]:
    column = sql.Identifier(key.column)
    row = conn.execute(
        sql.SQL("select count(*), min({c}), max({c}) from {t}").format(
            c=column, t=sql.Identifier(key.schema, key.table)
        )
    ).fetchone()
    assert row is not None
    count, low, high = row
    return int(count), _as_int(low), _as_int(high)


def _as_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _exhausted(key: GeneratedKey, next_value: int) -> bool:
    if key.cycle:
        return False
    return next_value > key.max_value if key.increment > 0 else next_value < key.min_value


@dataclass(frozen=True)
class Guard:
    """The constraint or index that makes the generated key unique: kept for the insert."""

    constraint: str | None = None
    index: str | None = None


def _guard(table: TargetTable, column: str) -> Guard:
    pk = table.primary_key
    if pk is not None and pk.columns == (column,):
        return Guard(constraint=pk.name)
    for unique in table.unique_constraints:
        if unique.columns == (column,):
            return Guard(constraint=unique.name)
    for index in table.indexes:
        if index.unique and not index.partial and index.columns == (column,):
            return Guard(constraint=index.constraint, index=index.name)
    if pk is not None and column in pk.columns:
        return Guard(constraint=pk.name)
    return Guard()


def _guard_note(table: TargetTable, key: GeneratedKey, guard: Guard) -> str | None:
    pk = table.primary_key
    if pk is not None and guard.constraint == pk.name:
        return None if pk.columns == (key.column,) else f"{key.column} is part of {pk.name}"
    if guard.constraint or guard.index:
        return f"{key.column} is not the primary key; unique by {guard.constraint or guard.index}"
    return f"{key.column} has no unique constraint or index: the test insert cannot collide"


def _drop_other_rules(
    conn: psycopg.Connection, key: GeneratedKey, table: TargetTable, guard: Guard
) -> None:
    """Inside the rolled-back transaction: leave only the key's own uniqueness to collide on."""
    constraints = [fk.name for fk in table.foreign_keys]
    constraints += [check.name for check in table.check_constraints]
    constraints += [x.name for x in table.exclusion_constraints]
    constraints += [u.name for u in table.unique_constraints]
    if table.primary_key is not None:
        constraints.append(table.primary_key.name)
    constraints = [name for name in constraints if name != guard.constraint]
    # CASCADE: a UNIQUE constraint or index may be what another table's FK references.
    actions = [
        sql.SQL("drop constraint if exists {} cascade").format(sql.Identifier(name))
        for name in constraints
    ]
    # User triggers could reject the copy or act outside the transaction (e.g. nextval).
    actions.append(sql.SQL("disable trigger user"))
    conn.execute(
        sql.SQL("alter table {} {}").format(
            sql.Identifier(key.schema, key.table), sql.SQL(", ").join(actions)
        )
    )
    for index in table.indexes:
        if index.unique and index.constraint is None and index.name != guard.index:
            conn.execute(
                sql.SQL("drop index if exists {} cascade").format(
                    sql.Identifier(key.schema, index.name)
                )
            )


def _test_insert(
    conn: psycopg.Connection, key: GeneratedKey, table: TargetTable
) -> tuple[int | None, str | None]:
    copied = [c for c in table.columns if c.name != key.column and c.generated is None]
    table_id = sql.Identifier(key.schema, key.table)
    returning = sql.Identifier(key.column)
    if copied:
        names = sql.SQL(", ").join(sql.Identifier(c.name) for c in copied)
        # Another GENERATED ALWAYS identity column is copied as is, which needs OVERRIDING.
        overriding = any(c.identity == "always" for c in copied)
        statement = sql.SQL(
            "insert into {t} ({cols}) {overriding}select {cols} from {t} limit 1 returning {r}"
        ).format(
            t=table_id,
            cols=names,
            overriding=sql.SQL("overriding system value " if overriding else ""),
            r=returning,
        )
    else:
        statement = sql.SQL("insert into {t} default values returning {r}").format(
            t=table_id, r=returning
        )
    try:
        with conn.transaction():  # a savepoint: the outer transaction survives a failure
            row = conn.execute(statement).fetchone()
    except psycopg.Error as exc:
        return None, f"test insert failed: {_message(exc)}"
    return (_as_int(row[0]) if row else None), None


def _message(exc: psycopg.Error) -> str:
    return exc.diag.message_primary or str(exc).splitlines()[0]
