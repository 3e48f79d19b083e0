"""Read a PostgreSQL database for the cutover commands, over psycopg 3, without writing.

The settings are meltanolabs tap-postgres's (host, port, user, password, database, or
`sqlalchemy_url` instead; `filter_schemas`; `ssl_enable`/`ssl_mode`), so this reader sees
the tables the tap streams. Its catalog SQL is its own (below, one constant per kind of
object): the proof must not trust the tap it checks.

* The session is read-only (`default_transaction_read_only`), names itself `cutover`, and
  runs with `row_security = off`: a table whose row-level security would hide rows from
  this login raises instead of returning fewer rows, and the error says the login needs
  BYPASSRLS (or superuser). The tap must run as such a login too (`rls_bypass()` is for
  preflight): otherwise it extracts only what the policies show, silently.
* Table names are the bare names the loader gives the raw tables (the tap's stream
  `<schema>-<table>` loses its schema part). Two tables with one name in two schemas are
  an error. Partitions are read through their partitioned table and `skipped`; so are
  foreign tables, tables that belong to an extension, and (with `filter_schemas`) the
  tables of the other schemas. Schemas `pg_*`, `information_schema` and those created by
  an extension are never read.
* `views` holds plain and materialized views (the tap discovers both as streams; they
  are rebuilt on the target, not copied). `extra` counts functions (not extension
  members), policies and materialized views.
* `iter_rows` returns the values psycopg 3 gives (int, Decimal, float, str, bool, bytes,
  UUID, lists for arrays), except for TEXT_TYPES, read as PostgreSQL's own text, which is
  what the tap emits: pgvector `vector` (`[0.1,0.2,...]`), dates, times and timestamps
  (ISO, UTC: `2024-03-01 00:00:00+00`, also `infinity` and BC dates, which Python cannot
  hold) and json/jsonb (jsonb's canonical text, what the loader's jsonb column holds).
  Rows come in primary-key order through a server-side cursor.
* Tables without a primary key cannot be read row by row: PostgreSQL's ctid is not a
  stable row identifier (UPDATE and VACUUM FULL move rows), so `with_rowid` is refused.
* Generated columns (`GENERATED ALWAYS AS (...) STORED`) are read like the others, with no
  default: the tap extracts their values.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict

from cutover.errors import CutoverError
from cutover.sources.base import (
    SkippedObject,
    SourceColumn,
    SourceForeignKey,
    SourceIndex,
    SourceSchema,
    SourceTable,
)

FETCH_SIZE = 10_000
CONNECT_TIMEOUT = 10
APPLICATION_NAME = "cutover"
SESSION_SETTINGS = (
    "SET default_transaction_read_only = on",
    "SET row_security = off",  # hidden rows raise, never vanish
    "SET TimeZone = 'UTC'",  # timestamptz text in UTC (+00), as the tap's session gives it
    "SET DateStyle = 'ISO, MDY'",  # PostgreSQL's default output, which the tap emits
)
VECTOR_TYPES = ("vector",)  # pgvector: read as text, the JSON array the tap emits
# Read as PostgreSQL's own text, as the tap emits them (dates_as_string; JSON as the jsonb
# the loader writes), so the raw copy and the row keys compare with the source text for
# text: `2024-03-01 00:00:00+00`, not Python's `2024-03-01 00:00:00+00:00`.
TEXT_TYPES = (
    *VECTOR_TYPES,
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "json",
    "jsonb",
)

# --- the catalog SQL (PostgreSQL 13 and later; pg_catalog only) ----------------------------

# Every schema a user could have put tables in, with the extension that created it.
SCHEMAS_SQL = """
SELECT n.nspname, e.extname
FROM pg_namespace AS n
LEFT JOIN pg_depend AS d
  ON d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e'
LEFT JOIN pg_extension AS e ON e.oid = d.refobjid
WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
ORDER BY n.nspname
"""

# Tables, partitioned tables, foreign tables, views and materialized views; a partition's
# parent and an extension member's extension, for the skip reasons.
RELATIONS_SQL = """
SELECT c.oid, n.nspname, c.relname, c.relkind::text, pn.nspname || '.' || p.relname AS parent,
       e.extname
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits AS i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class AS p ON p.oid = i.inhparent
LEFT JOIN pg_namespace AS pn ON pn.oid = p.relnamespace
LEFT JOIN pg_depend AS d
  ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
LEFT JOIN pg_extension AS e ON e.oid = d.refobjid
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
  AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
ORDER BY n.nspname, c.relname
"""

# Identity and generated columns keep no default: their value is not a default.
COLUMNS_SQL = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod) AS declared_type,
       a.attnotnull,
       CASE WHEN a.attidentity = '' AND a.attgenerated = ''
            THEN pg_get_expr(ad.adbin, ad.adrelid) END AS default_expression,
       t.typname
FROM pg_attribute AS a
JOIN pg_type AS t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef AS ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attrelid = ANY(%(oids)s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

# Primary keys, UNIQUE, FOREIGN KEY and CHECK constraints (not NOT NULL, not exclusion).
CONSTRAINTS_SQL = """
SELECT con.conrelid, con.conname, con.contype::text, pg_get_constraintdef(con.oid),
       array(SELECT a.attname::text
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns,
       pc.relname AS parent_table,
       array(SELECT a.attname::text
             FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute AS a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS parent_columns
FROM pg_constraint AS con
LEFT JOIN pg_class AS pc ON pc.oid = con.confrelid
WHERE con.conrelid = ANY(%(oids)s) AND con.contype IN ('p', 'u', 'f', 'c')
ORDER BY con.conrelid, con.conname
"""

# Indexes that back no constraint; a key part is its column, or its expression's text.
INDEXES_SQL = """
SELECT i.indrelid, ic.relname, i.indisunique, i.indpred IS NOT NULL AS partial, am.amname,
       array(SELECT CASE WHEN i.indkey[k] <> 0 THEN a.attname::text
                         ELSE pg_get_indexdef(i.indexrelid, k + 1, true) END
             FROM generate_series(0, i.indnkeyatts - 1) AS k
             LEFT JOIN pg_attribute AS a
               ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]
             ORDER BY k) AS columns
FROM pg_index AS i
JOIN pg_class AS ic ON ic.oid = i.indexrelid
JOIN pg_am AS am ON am.oid = ic.relam
WHERE i.indrelid = ANY(%(oids)s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS con
                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                    AND con.contype IN ('p', 'u', 'x'))
ORDER BY i.indrelid, ic.relname
"""

# Columns numbered by a sequence: identity (pg_depend 'i'), or serial: a sequence owned by
# the column ('a') that the column's default calls. pg_sequences.last_value is NULL until
# the sequence is first called (and without privilege on it).
GENERATED_KEYS_SQL = """
SELECT d.refobjid, a.attname, a.attidentity <> '' AS is_identity, ps.last_value
FROM pg_depend AS d
JOIN pg_class AS s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_namespace AS sn ON sn.oid = s.relnamespace
JOIN pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
LEFT JOIN pg_sequences AS ps ON ps.schemaname = sn.nspname AND ps.sequencename = s.relname
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.refobjsubid > 0 AND d.refobjid = ANY(%(oids)s)
  AND (d.deptype = 'i'
       OR (d.deptype = 'a' AND EXISTS (
             SELECT 1 FROM pg_attrdef AS ad
             JOIN pg_depend AS dd
               ON dd.classid = 'pg_attrdef'::regclass AND dd.objid = ad.oid
              AND dd.refclassid = 'pg_class'::regclass AND dd.refobjid = s.oid
             WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum)))
ORDER BY d.refobjid, a.attnum
"""

# Triggers a person created (not the FK's internal ones, not clones on partitions).
TRIGGERS_SQL = """
SELECT t.tgrelid, t.tgname
FROM pg_trigger AS t
WHERE t.tgrelid = ANY(%(oids)s) AND NOT t.tgisinternal AND t.tgparentid = 0
ORDER BY t.tgrelid, t.tgname
"""

# A partitioned table's size is its partitions'.
TABLE_SIZES_SQL = """
SELECT c.oid,
       CASE WHEN c.relkind = 'p'
            THEN (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0)
                  FROM pg_partition_tree(c.oid) AS t)
            ELSE pg_total_relation_size(c.oid) END
FROM pg_class AS c
WHERE c.oid = ANY(%(oids)s)
"""

DATABASE_SIZE_SQL = "SELECT pg_database_size(current_database())"

# Other object kinds in the read schemas, counted for reports and object parity.
EXTRA_COUNTS_SQL = """
SELECT 'functions', count(*) FROM pg_proc AS p
  JOIN pg_namespace AS n ON n.oid = p.pronamespace
  WHERE n.nspname = ANY(%(schemas)s)
    AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.classid = 'pg_proc'::regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL SELECT 'policies', count(*) FROM pg_policy AS pol
  JOIN pg_class AS c ON c.oid = pol.polrelid
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY(%(schemas)s)
UNION ALL SELECT 'materialized views', count(*) FROM pg_class AS c
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE c.relkind = 'm' AND n.nspname = ANY(%(schemas)s)
    AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.classid = 'pg_class'::regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
"""

RLS_BYPASS_SQL = "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"

CATALOG_SQL = {
    "schemas": SCHEMAS_SQL,
    "relations": RELATIONS_SQL,
    "columns": COLUMNS_SQL,
    "constraints": CONSTRAINTS_SQL,
    "indexes": INDEXES_SQL,
    "generated_keys": GENERATED_KEYS_SQL,
    "triggers": TRIGGERS_SQL,
    "table_sizes": TABLE_SIZES_SQL,
    "database_size": DATABASE_SIZE_SQL,
    "extra_counts": EXTRA_COUNTS_SQL,
    "rls_bypass": RLS_BYPASS_SQL,
}


# --- settings and connection ---------------------------------------------------------------


@dataclass(frozen=True)
class PostgresSettings:
    """tap-postgres's settings, as `meltano config print` gives them: libpq connection
    parameters (password included: never print them) and the schemas to read."""

    params: dict[str, str] = field(repr=False)
    filter_schemas: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> PostgresSettings:
        url = str(settings.get("sqlalchemy_url") or "")
        if url:
            params = _url_params(url)
        else:
            for required in ("host", "database"):
                if not settings.get(required):
                    raise CutoverError(f"PostgreSQL source: setting {required!r} is not set")
            params = {
                "host": str(settings["host"]),
                "port": str(settings.get("port") or 5432),
                "dbname": str(settings["database"]),
            }
            if settings.get("user"):
                params["user"] = str(settings["user"])
            if settings.get("password"):
                params["password"] = str(settings["password"])
            params.update(_ssl_params(settings))
        params.pop("application_name", None)
        return cls(params=params, filter_schemas=_schemas(settings.get("filter_schemas")))

    @property
    def label(self) -> str:
        """``user@host:port/database`` (never the password)."""
        p = self.params
        user = p.get("user") or os.environ.get("PGUSER") or "(default user)"
        return f"{user}@{p.get('host', 'localhost')}:{p.get('port', '5432')}/{p.get('dbname')}"

    def connect_kwargs(self) -> dict[str, Any]:
        return {
            **self.params,
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": APPLICATION_NAME,
        }


def _url_params(url: str) -> dict[str, str]:
    """libpq parameters of a SQLAlchemy URL (`postgresql+psycopg2://...`)."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise CutoverError(f"PostgreSQL source: sqlalchemy_url has scheme {parts.scheme!r}")
    try:
        params = conninfo_to_dict(urlunsplit(parts._replace(scheme="postgresql")))
    except psycopg.ProgrammingError as exc:
        raise CutoverError("PostgreSQL source: sqlalchemy_url cannot be read") from exc
    if not params.get("dbname"):
        raise CutoverError("PostgreSQL source: sqlalchemy_url names no database")
    return {key: str(value) for key, value in params.items() if value is not None}


def _ssl_params(settings: Mapping[str, Any]) -> dict[str, str]:
    """tap-postgres's `ssl_enable`/`ssl_mode`/`ssl_certificate_authority` (a file path)."""
    if not settings.get("ssl_enable"):
        return {}
    params = {"sslmode": str(settings.get("ssl_mode") or "verify-full")}
    authority = str(settings.get("ssl_certificate_authority") or "")
    if authority and Path(authority).is_file():
        params["sslrootcert"] = authority
    elif authority:
        raise CutoverError(
            "PostgreSQL source: ssl_certificate_authority must be a file path for the "
            "cutover reader (a certificate pasted as a value is only read by the tap)"
        )
    return params


def _schemas(value: object) -> tuple[str, ...]:
    """`filter_schemas` as Meltano gives it: a list, or its JSON text."""
    if not value:
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = value.split(",")
    if not isinstance(value, list | tuple):
        raise CutoverError(f"PostgreSQL source: filter_schemas must be a list, got {value!r}")
    return tuple(str(s).strip() for s in value if str(s).strip())


def error_text(exc: BaseException, secret: str | None = None) -> str:
    """A psycopg error as one line, without the password even if the server echoed it."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.replace(secret, "*****") if secret else text


def open_postgres(settings: Mapping[str, Any]) -> PostgresSource:
    """Connect with the extractor's settings; raises CutoverError naming the server."""
    return PostgresSource(PostgresSettings.from_mapping(settings))


# --- the reader ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Relation:
    oid: int
    schema: str
    name: str
    kind: str  # pg_class.relkind
    parent: str | None  # a partition's parent, schema-qualified
    extension: str | None  # the extension it belongs to


class PostgresSource:
    """One PostgreSQL database, read-only. A SourceReader."""

    kind = "postgres"
    batch_size: int | None = None  # tap-postgres has no batch size setting

    def __init__(self, settings: PostgresSettings) -> None:
        self.settings = settings
        self.description = f"PostgreSQL {settings.label}"
        self._schema: SourceSchema | None = None
        self._objects: dict[str, tuple[str, str]] = {}  # bare name -> (schema, name)
        self._types: dict[str, dict[str, str]] = {}  # bare table -> column -> type name
        self._keys: dict[str, tuple[str, ...]] = {}
        self._index_methods: dict[tuple[str, str], str] = {}  # (table, index) -> amname
        self._cursors = 0
        self._connection: psycopg.Connection | None = None
        connection = None
        try:
            connection = psycopg.connect(**settings.connect_kwargs(), autocommit=True)
            for statement in SESSION_SETTINGS:
                connection.execute(statement)
            connection.autocommit = False  # server-side cursors live in a transaction
        except psycopg.Error as exc:
            if connection is not None:
                connection.close()
            raise CutoverError(
                f"cannot connect to PostgreSQL {settings.label}: "
                + error_text(exc, settings.params.get("password"))
            ) from exc
        self._connection = connection
        self.size_bytes: int | None = self._database_size()

    # -- queries ---------------------------------------------------------------------------

    @property
    def connection(self) -> psycopg.Connection:
        if self._connection is None:
            raise CutoverError(f"{self.description}: the reader is closed")
        return self._connection

    def _query(self, query: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        try:
            return self.connection.execute(query, params).fetchall()  # type: ignore[arg-type]
        except psycopg.Error as exc:
            self.connection.rollback()
            raise CutoverError(
                f"cannot read the catalog of {self.settings.label}: {error_text(exc)}"
            ) from exc

    def _database_size(self) -> int | None:
        rows = self._query(DATABASE_SIZE_SQL)
        self.connection.commit()
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def rls_bypass(self) -> bool:
        """True when this login reads every row whatever the row-level security policies
        (superuser or BYPASSRLS): what extraction and verification need."""
        rows = self._query(RLS_BYPASS_SQL)
        return bool(rows and rows[0][0])

    def _read_error(self, table: str, exc: psycopg.Error) -> CutoverError:
        user = self.settings.params.get("user") or "this login"
        if isinstance(exc, errors.InsufficientPrivilege) and "row-level security" in str(exc):
            return CutoverError(
                f"{self.description}: table {table!r} has row-level security that would hide "
                f"rows from {user!r}: the extraction/verification login needs BYPASSRLS (or "
                f"superuser), e.g. ALTER ROLE {user} BYPASSRLS, so no row is silently left out"
            )
        return CutoverError(f"cannot read table {table!r} of {self.description}: {error_text(exc)}")

    # -- schema ----------------------------------------------------------------------------

    def schema(self) -> SourceSchema:
        if self._schema is None:
            try:
                self._schema = self._read_schema()
            finally:
                if self._connection is not None:
                    self.connection.rollback()  # read-only: ends the catalog transaction
        return self._schema

    def _schemas_read(self) -> tuple[list[str], set[str]]:
        """(schemas read, user schemas left out by filter_schemas)."""
        schemas = self._query(SCHEMAS_SQL)
        own = [name for name, extension in schemas if extension is None]
        wanted = self.settings.filter_schemas
        if not wanted:
            return own, set()
        unknown = [s for s in wanted if s not in {name for name, _ in schemas}]
        if unknown:
            raise CutoverError(
                f"{self.description}: filter_schemas names schema(s) the database does not "
                f"have: {', '.join(unknown)} (it has: {', '.join(own) or 'none'})"
            )
        return [s for s in own if s in wanted], {s for s in own if s not in wanted}

    def _read_schema(self) -> SourceSchema:
        for state in (self._objects, self._types, self._keys, self._index_methods):
            state.clear()  # a read that failed halfway must not leave names behind
        read, left_out = self._schemas_read()
        tables: list[_Relation] = []
        views: list[str] = []
        skipped: list[SkippedObject] = []
        for row in self._query(RELATIONS_SQL):
            relation = _Relation(int(row[0]), row[1], row[2], row[3], row[4], row[5])
            if relation.schema in left_out and relation.kind in ("r", "p", "f"):
                reason = "schema not in the extractor's 'filter_schemas' setting"
                skipped.append(SkippedObject(_qualified(relation), "table", reason))
            if relation.schema not in read:
                continue
            if relation.kind in ("v", "m"):
                if relation.extension is None:  # an extension's views are its own
                    views.append(relation.name)
                continue
            reason_kind = _skip(relation)
            if reason_kind is not None:
                kind, reason = reason_kind
                skipped.append(SkippedObject(_qualified(relation), kind, reason))
                continue
            if relation.name in self._objects:
                other = ".".join(self._objects[relation.name])
                raise CutoverError(
                    f"PostgreSQL tables {other!r} and {_qualified(relation)!r} both load into raw "
                    f"table {relation.name!r}: leave one schema out with the extractor's "
                    "'filter_schemas'"
                )
            self._objects[relation.name] = (relation.schema, relation.name)
            tables.append(relation)
        by_oid = {t.oid: t for t in tables}
        oids = {"oids": list(by_oid)}
        triggers = tuple(
            f"{by_oid[int(oid)].name}.{name}" for oid, name in self._query(TRIGGERS_SQL, oids)
        )
        extra = {
            str(kind): int(count)
            for kind, count in self._query(EXTRA_COUNTS_SQL, {"schemas": read})
        }
        return SourceSchema(
            tables=self._tables(tables),
            views=tuple(views),
            triggers=triggers,
            skipped=tuple(skipped),
            extra=extra,
        )

    def _tables(self, relations: list[_Relation]) -> tuple[SourceTable, ...]:
        oids = {"oids": [r.oid for r in relations]}
        columns: dict[int, list[tuple[Any, ...]]] = {}
        for oid, *fields in self._query(COLUMNS_SQL, oids):
            columns.setdefault(int(oid), []).append(tuple(fields))
        constraints: dict[int, list[tuple[Any, ...]]] = {}
        for oid, *fields in self._query(CONSTRAINTS_SQL, oids):
            constraints.setdefault(int(oid), []).append(tuple(fields))
        indexes: dict[int, list[tuple[Any, ...]]] = {}
        for oid, *fields in self._query(INDEXES_SQL, oids):
            indexes.setdefault(int(oid), []).append(tuple(fields))
        generated: dict[int, list[tuple[str, bool, int | None]]] = {}
        for oid, column, is_identity, last_value in self._query(GENERATED_KEYS_SQL, oids):
            generated.setdefault(int(oid), []).append((column, bool(is_identity), last_value))
        sizes = {int(oid): int(size) for oid, size in self._query(TABLE_SIZES_SQL, oids)}
        return tuple(
            self._table(
                r,
                columns.get(r.oid, []),
                constraints.get(r.oid, []),
                indexes.get(r.oid, []),
                generated.get(r.oid, []),
                sizes.get(r.oid),
            )
            for r in relations
        )

    def _table(
        self,
        relation: _Relation,
        columns: list[tuple[Any, ...]],
        constraints: list[tuple[Any, ...]],
        indexes: list[tuple[Any, ...]],
        generated: list[tuple[str, bool, int | None]],
        size: int | None,
    ) -> SourceTable:
        name = relation.name
        self._types[name] = {column: type_name for column, _, _, _, type_name in columns}
        primary_key: tuple[str, ...] = ()
        uniques: list[tuple[str, ...]] = []
        checks: list[str] = []
        fks: list[SourceForeignKey] = []
        for con_name, kind, definition, cols, parent, parent_cols in constraints:
            if kind == "p":
                primary_key = tuple(cols)
            elif kind == "u":
                uniques.append(tuple(cols))
            elif kind == "c":
                checks.append(check_expression(definition))
            else:
                fks.append(SourceForeignKey(tuple(cols), parent, tuple(parent_cols), con_name))
        self._keys[name] = primary_key
        for index_name, _, _, method, _ in indexes:
            self._index_methods[(name, index_name)] = method
        key, last_value = _generated_key(generated, primary_key)
        return SourceTable(
            name=name,
            columns=tuple(
                SourceColumn(column, declared, bool(not_null), default)
                for column, declared, not_null, default, _ in columns
            ),
            primary_key=primary_key,
            foreign_keys=tuple(fks),
            unique_constraints=tuple(uniques),
            check_constraints=tuple(checks),
            indexes=tuple(
                SourceIndex(index_name, tuple(cols), bool(unique), bool(partial))
                for index_name, unique, partial, _, cols in indexes
            ),
            generated_key=key,
            sequence_value=int(last_value) if last_value is not None else None,
            row_count=self._count(relation),
            size_bytes=size,
        )

    def _count(self, relation: _Relation) -> int:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(relation.schema), sql.Identifier(relation.name)
        )
        try:
            row = self.connection.execute(query).fetchone()
        except psycopg.Error as exc:
            self.connection.rollback()
            raise self._read_error(relation.name, exc) from exc
        return int(row[0]) if row else 0

    def qualified_name(self, table: str) -> tuple[str, str]:
        """(schema, name) of a bare table name, as the tap names its stream."""
        self.schema()
        if table not in self._objects:
            raise CutoverError(f"{self.description}: no table {table!r}")
        return self._objects[table]

    def index_method(self, table: str, index: str) -> str:
        """The access method of one of `table`'s indexes: btree, gin, hnsw, ..."""
        self.schema()
        return self._index_methods[(table, index)]

    # -- rows ------------------------------------------------------------------------------

    def iter_rows(
        self, table: str, columns: Sequence[str], *, with_rowid: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of `table` in primary-key order, through a server-side cursor.

        The query runs before this returns, so a bad table or column, a missing grant or
        row-level security that would hide rows fails here.
        """
        self.schema()
        if table not in self._objects:
            raise CutoverError(f"{self.description}: no table {table!r}")
        if with_rowid:
            has = "has no primary key" if not self._keys.get(table) else "was asked for a rowid"
            raise CutoverError(
                f"{self.description}: table {table!r} {has}, and PostgreSQL's ctid is not a "
                "stable row identifier (UPDATE and VACUUM FULL move rows): it cannot be read "
                "row by row; add a primary key"
            )
        types = self._types[table]
        missing = [column for column in columns if column not in types]
        if missing or not columns:
            raise CutoverError(
                f"cannot read table {table!r} of {self.description}: no such column(s) "
                + (", ".join(repr(column) for column in missing) or "(none asked for)")
            )
        schema, name = self._objects[table]
        query = sql.SQL("SELECT {} FROM {}.{}").format(
            sql.SQL(", ").join(select_expression(c, types[c]) for c in columns),
            sql.Identifier(schema),
            sql.Identifier(name),
        )
        if self._keys.get(table):
            query += sql.SQL(" ORDER BY {}").format(
                sql.SQL(", ").join(map(sql.Identifier, self._keys[table]))
            )
        self._cursors += 1
        cursor = self.connection.cursor(name=f"cutover_rows_{self._cursors}")
        cursor.itersize = FETCH_SIZE
        try:
            cursor.execute(query)
        except psycopg.Error as exc:
            self.connection.rollback()
            raise self._read_error(table, exc) from exc
        return self._fetch(cursor, table)

    def _fetch(self, cursor: psycopg.ServerCursor, table: str) -> Iterator[tuple[Any, ...]]:
        try:
            while rows := cursor.fetchmany(FETCH_SIZE):
                yield from rows
        except psycopg.Error as exc:
            self.connection.rollback()
            raise self._read_error(table, exc) from exc
        finally:
            with contextlib.suppress(psycopg.Error):  # its transaction may have ended
                cursor.close()

    def close(self) -> None:
        connection = self._connection
        if connection is not None:
            self._connection = None
            connection.close()

    def __enter__(self) -> PostgresSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def select_expression(column: str, type_name: str) -> sql.Composable:
    """The select-list expression of a column: itself, or its text (TEXT_TYPES); json is
    read through jsonb, whose text is what the loader's jsonb column holds."""
    if type_name == "json":
        return sql.SQL("{}::jsonb::text").format(sql.Identifier(column))
    if type_name in TEXT_TYPES:
        return sql.SQL("{}::text").format(sql.Identifier(column))
    return sql.Identifier(column)


def check_expression(definition: str) -> str:
    """The expression inside `CHECK (...)` of pg_get_constraintdef (`NOT VALID` dropped)."""
    text = definition.strip()
    if not text.upper().startswith("CHECK ("):
        return text
    depth, quote = 0, ""
    for position, char in enumerate(text[6:], start=6):
        if char in "'\"" and quote in ("", char):
            quote = "" if quote else char  # '' or "" inside a quote toggles twice
        elif quote:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[7:position]
    return text


def _qualified(relation: _Relation) -> str:
    return f"{relation.schema}.{relation.name}"


def _skip(relation: _Relation) -> tuple[str, str] | None:
    """(kind, reason) when a table of a read schema is not a table of its own."""
    if relation.extension is not None:
        return "extension table", f"belongs to extension {relation.extension}"
    if relation.parent is not None:
        return "partition", f"partition of {relation.parent}: its rows are read through it"
    if relation.kind == "f":
        return "foreign table", "its rows live on another server (foreign data wrapper)"
    return None


def _generated_key(
    generated: list[tuple[str, bool, int | None]], primary_key: tuple[str, ...]
) -> tuple[str | None, int | None]:
    """The column a table numbers by itself: identity first, then a key column."""
    if not generated:
        return None, None
    ranked = sorted(generated, key=lambda g: (not g[1], g[0] not in primary_key))
    column, _, last_value = ranked[0]
    return column, last_value
