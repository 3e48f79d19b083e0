"""The plan of a PostgreSQL source: its tables with the types of postgres_types.py,
foreign keys, primary and unique keys, btree indexes, CHECKs and identity/serial columns,
read through the cutover PostgreSQL reader. Rendering is shared with the other kinds.

The source is a URL without a password, `postgresql://user@host:5432/Database`, with
`?schemas=core,telemetry` to read only those schemas (tap-postgres's `filter_schemas`);
the password comes from the environment (TAP_POSTGRES_PASSWORD, or `--password-env`),
never from the URL, so it cannot end up in a generated file or a log.

The extractor it writes runs meltanolabs tap-postgres with `dates_as_string: true` (the
staging casts read PostgreSQL's own date/time text back) and `select`s the planned tables
only, as `<schema>-<table>.*` (the tap's stream names): the tap also discovers views,
materialized views, partitions and tables without a key, which are not copied.

Not carried by the plan (listed as not scaffolded, or left to the gate's object parity):
indexes other than btree (HNSW, GIN, GiST...; a btree copy of them could not even be
built for a vector(1536)), expression and partial indexes, and the source sequence's
last value (the target's identity starts past the loaded max(id)).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from cutover.errors import CutoverError
from cutover.scaffold.plan import ConfigValue, SystemPlan, plan_declared_types
from cutover.scaffold.postgres_types import map_postgres_column
from cutover.sources.base import SourceSchema

PASSWORD_VARIABLE = "TAP_POSTGRES_PASSWORD"
DEFAULT_PORT = 5432
NO_KEY = (
    "no primary key, so its rows cannot be proven one by one: add one "
    "(ALTER TABLE ... ADD PRIMARY KEY) and scaffold again"
)
FORM = "postgresql://user@host[:port]/Database[?schemas=a,b]"


def connection_settings(url: str, password: str | None) -> dict[str, object]:
    """tap-postgres's settings from `postgresql://user@host:port/Database?schemas=a,b`."""
    parts = urlsplit(url)
    if parts.password:
        raise CutoverError(
            f"scaffold: put the PostgreSQL password in {PASSWORD_VARIABLE} (or name a variable "
            "with --password-env), not in the URL: the URL is written into files and logs"
        )
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not database or not parts.username:
        raise CutoverError(f"scaffold: a PostgreSQL source is {FORM}, got {url!r}")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"schemas"})
    if unknown:
        raise CutoverError(
            f"scaffold: unknown PostgreSQL URL option(s) {', '.join(unknown)} (known: schemas)"
        )
    settings: dict[str, object] = {
        "host": parts.hostname,
        "port": parts.port or DEFAULT_PORT,
        "user": unquote(parts.username),
        "database": database,
    }
    schemas = [s.strip() for value in query.get("schemas", []) for s in value.split(",")]
    if any(schemas):
        settings["filter_schemas"] = [s for s in schemas if s]
    if password:
        settings["password"] = password
    return settings


def plan_postgres(system: str, url: str, settings: dict[str, str]) -> SystemPlan:
    """Read the source at `url` and plan it; `settings["password"]` (from --password-env)
    or TAP_POSTGRES_PASSWORD is the login's password."""
    from cutover.sources.postgres import open_postgres

    password = settings.get("password") or os.environ.get(PASSWORD_VARIABLE)
    connection = connection_settings(url, password)
    with open_postgres(connection) as reader:
        schema = reader.schema()
        streams = {t.name: "-".join(reader.qualified_name(t.name)) for t in schema.tables}
        methods = {
            (t.name, ix.name): reader.index_method(t.name, ix.name)
            for t in schema.tables
            for ix in t.indexes
        }
    return plan_from_schema(system, schema, connection, streams, methods)


def plan_from_schema(
    system: str,
    schema: SourceSchema,
    connection: dict[str, object],
    streams: dict[str, str],
    index_methods: dict[tuple[str, str], str],
) -> SystemPlan:
    """The plan of a PostgreSQL schema (as the reader gives it). `connection` becomes the
    extractor's config (never its password), `streams` maps each table to the tap's stream
    name (`core-devices`), `index_methods` each (table, index) to its access method."""
    btree, other = _btree_only(schema, index_methods)
    plan = plan_declared_types(
        system,
        btree,
        lambda table, column: map_postgres_column(
            column.declared_type,
            is_identity=column.name == table.generated_key,
            where=f"{table.name}.{column.name}",
        ),
        no_key=NO_KEY,
        source_path=Path(str(connection["database"])),
        extractor="tap-postgres",
        extractor_config=extractor_config(connection),
    )
    return replace(
        plan,
        # The floor render knows is SQLite's sqlite_sequence; here the identity starts
        # past the loaded max(id).
        tables=tuple(replace(t, sequence_floor=False) for t in plan.tables),
        skipped=plan.skipped + other,
        # The tables, and the audit stream the proof reads (extract/tap-postgres).
        extractor_select=(
            *(f"{streams[t.source]}.*" for t in plan.tables),
            "_source_audit.*",
        ),
    )


def extractor_config(connection: dict[str, object]) -> tuple[tuple[str, ConfigValue], ...]:
    """tap-postgres settings for the generated extractor: the connection without its
    password, the schema filter, and dates as PostgreSQL's own text."""
    config: list[tuple[str, ConfigValue]] = [
        (key, int(str(connection[key])) if key == "port" else str(connection[key]))
        for key in ("host", "port", "user", "database")
        if connection.get(key) is not None
    ]
    schemas = connection.get("filter_schemas")
    if isinstance(schemas, list | tuple) and schemas:
        config.append(("filter_schemas", tuple(str(s) for s in schemas)))
    config.append(("dates_as_string", True))
    return tuple(config)


def _btree_only(
    schema: SourceSchema, index_methods: dict[tuple[str, str], str]
) -> tuple[SourceSchema, tuple[tuple[str, str], ...]]:
    """The schema with only its btree indexes, and the others as (name, reason)."""
    others: list[tuple[str, str]] = []
    tables = []
    for table in schema.tables:
        kept = []
        for index in table.indexes:
            method = index_methods.get((table.name, index.name), "btree")
            if method == "btree":
                kept.append(index)
                continue
            others.append(
                (
                    f"{table.name}.{index.name}",
                    f"{method} index on ({', '.join(index.columns)}): not scaffolded (the "
                    "final tables get btree indexes); create it on the target after the load",
                )
            )
        tables.append(replace(table, indexes=tuple(kept)))
    return replace(schema, tables=tuple(tables)), tuple(others)
