"""The files a scaffold writes, as text, from a SystemPlan: Meltano entries, dbt sources,
staging, checked, final and audit models with their yml, and parity explanations.

Everything is plain text with a stable order, so regenerating gives the same bytes and a
change to the generator shows up as a readable diff (tests/golden/)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cutover.scaffold.identifiers import is_plain_identifier, quote_ident, shorten
from cutover.scaffold.plan import ColumnPlan, ConfigValue, SystemPlan, TablePlan


def _q(value: str) -> str:
    """A YAML scalar, quoted with JSON rules (valid YAML) when it needs quoting."""
    plain = (
        value and value.replace("_", "").isalnum() and value.isascii() and not value[0].isdigit()
    )
    return (
        value
        if plain and value.lower() not in {"yes", "no", "on", "off", "true", "false", "null"}
        else json.dumps(value, ensure_ascii=False)
    )


def _raw(column: str) -> str:
    """A raw column as SQL: the loader keeps source names, so quote unless plain."""
    return (
        column if is_plain_identifier(column) and column == column.lower() else quote_ident(column)
    )


def _sql_names(columns: tuple[str, ...] | list[str]) -> str:
    """Columns of a model-level constraint: dbt puts them into the DDL verbatim, so a name
    that needs quoting is written quoted, as a YAML string ('"offset"')."""
    quoted = (quote_ident(c) for c in columns)
    return ", ".join(
        q if q == c else "'" + q.replace("'", "''") + "'"
        for q, c in zip(quoted, columns, strict=True)
    )


def render(plan: SystemPlan, root: Path) -> dict[str, str]:
    s = plan.system
    files = {
        f"extract/{s}.meltano.yml": _extractor(plan, root),
        f"transform/{s}.meltano.yml": _transformer(plan),
        f"orchestrate/{s}.meltano.yml": _orchestrate(plan),
        f"transform/models/staging/{s}/_{s}__sources.yml": _sources(plan),
        f"transform/models/staging/{s}/_{s}__models.yml": _staging_yml(plan),
        f"transform/models/intermediate/{s}/_int_{s}__models.yml": _checked_yml(plan),
        f"transform/models/marts/{s}/_{s}__models.yml": _final_yml(plan),
        f"transform/models/audit/{s}/_{s}_audit__models.yml": _audit_yml(plan),
        f"transform/models/audit/{s}/{s}_audit__rejects.sql": _rejects(plan),
        f"transform/models/audit/{s}/{s}_audit__reconciliation.sql": _reconciliation(plan),
        f"expectations/parity/{s}.yml": _parity(plan),
    }
    for table in plan.tables:
        t = table.name
        files[f"transform/models/staging/{s}/stg_{s}__{t}.sql"] = _staging(plan, table)
        files[f"transform/models/intermediate/{s}/int_{s}__{t}_checked.sql"] = _checked(plan, table)
        files[f"transform/models/marts/{s}/{s}__{t}.sql"] = _final(plan, table)
    return files


def _source_path(plan: SystemPlan, root: Path) -> str:
    path = plan.source_path.resolve()
    relative = os.path.relpath(path, root.resolve())
    if not relative.startswith("/"):
        return "${MELTANO_PROJECT_ROOT}/" + relative
    return str(path)


def _extractor_name(plan: SystemPlan) -> str:
    return f"{plan.extractor}--{plan.system}"


def _extractor(plan: SystemPlan, root: Path) -> str:
    s = plan.system
    name = _extractor_name(plan)
    prefix = name.upper().replace("-", "_")  # Meltano's setting variables: <PREFIX>_<SETTING>
    config: dict[str, ConfigValue] = dict(plan.extractor_config)
    if plan.extractor in ("tap-mssql", "tap-postgres"):  # a server: the password from .env
        tap = plan.extractor.upper().replace("-", "_")
        comment = (
            f"read-only; the password comes from {prefix}_PASSWORD (or {tap}_PASSWORD) in\n"
            f"  # .env, never from this file; {prefix}_HOST etc. override the rest."
        )
    else:
        comment = f"read-only, immutable; override the file with {prefix}_DATABASE."
        config = {"database": _source_path(plan, root), **config}
    if plan.extractor == "tap-postgres":
        comment += (
            "\n  # The login needs BYPASSRLS (or superuser): row-level security must hide no "
            "row.\n  # Only the tables are selected: the tap also discovers views and "
            "materialized\n  # views, whose rows are not data of their own."
        )
    lines = "".join(f"      {key}: {_yaml_value(value)}\n" for key, value in config.items())
    select = "".join(f"    - {_q(pattern)}\n" for pattern in plan.extractor_select)
    return f"""plugins:
  extractors:
  # {s}: {comment}
  - name: {name}
    inherit_from: {plan.extractor}
    load_schema: raw_{s}
    config:
{lines}""" + (f"    select:\n{select}" if select else "")


def _yaml_value(value: ConfigValue) -> str:
    """A setting's value in YAML: strings as _q, booleans, integers, lists in flow style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_q(item) for item in value) + "]"
    return _q(value)


def _transformer(plan: SystemPlan) -> str:
    s = plan.system
    return f"""plugins:
  transformers:
  # dbt for {s} alone: `meltano run {_extractor_name(plan)} target-postgres dbt-{s}:run`
  # (same install as `dbt`; plain `dbt:run` builds every system of the project).
  - name: dbt-{s}
    inherit_from: dbt
    commands:
      build:
        args: build --select tag:{s}
        description: Build and test the {s} models (staging, checked, final, audit).
      run:
        args: run --select tag:{s}
        description: Run the {s} models (no tests).
      test:
        args: test --select tag:{s}
        description: Test the {s} models.
"""


def _orchestrate(plan: SystemPlan) -> str:
    s = plan.system
    commands = "".join(
        f"      {name}:\n        args: {args} {s}\n"
        for name, args in (
            ("preflight", "preflight"),
            ("dry-run", "dry-run"),
            ("capture", "capture"),
            ("gate", "gate"),
            ("switch", "switch"),
            ("rollback", "rollback"),
            ("status", "status"),
            ("backup", "backup create"),
        )
    )
    return f"""plugins:
  utilities:
  # The cutover runbook for {s}: `meltano invoke cutover-{s}:gate` (same install as cutover).
  - name: cutover-{s}
    inherit_from: cutover
    commands:
{commands}jobs:
- name: migrate-{s}
  tasks:
  - {_extractor_name(plan)} target-postgres dbt-{s}:build cutover-{s}:capture cutover-{s}:gate
"""


def _sources(plan: SystemPlan) -> str:
    s = plan.system
    lines = [
        "version: 2",
        "",
        "sources:",
        f"  - name: {s}",
        "    description: "
        + _q(f"{plan.source_path.name}, loaded as is by {plan.extractor} and target-postgres."),
        f"    schema: raw_{s}",
        "    loaded_at_field: _sdc_extracted_at",
        "    tables:",
    ]
    for table in plan.tables:
        lines += [f"      - name: {table.name}", f"        identifier: {_q(table.source)}"]
    if plan.has_sqlite_sequence:
        lines += [
            "      - name: sqlite_sequence",
            f"        description: {_q('SQLite AUTOINCREMENT marks.')}",
        ]
    lines += [
        "      - name: _source_audit",
        "        description: "
        + _q(f"Written by {plan.extractor}: per source table, its own count at extraction."),
    ]
    return "\n".join(lines) + "\n"


def _config(schema: str, system: str, extra: str = "") -> str:
    return f"{{{{ config(schema='{schema}', tags=['{system}']{extra}) }}}}\n"


def _staging(plan: SystemPlan, table: TablePlan) -> str:
    s = plan.system
    key = ", ".join(f"'{k}'" for k in table.source_key)
    select = [f"        {{{{ source_key([{key}]) }}}} as _source_key,"]
    for column in table.columns:
        expression = column.mapping.staging_sql(_raw(column.source))
        alias = quote_ident(column.name)
        # a column copied as is under its own name needs no alias (sqlfluff AL09)
        select.append(
            f"        {expression}," if expression == alias else f"        {expression} as {alias},"
        )
    select.append("        {{ cast_errors(casts) }} as _cast_errors")
    rules = "\n".join(f"    {c.name}: {c.mapping.rule}" for c in table.columns)
    # pgvector's type must exist before the staging cast to it (a target database of its
    # own may not have the extension yet).
    vector = any(c.mapping.pg_type.startswith("vector") for c in table.columns)
    extra = ", pre_hook='create extension if not exists vector'" if vector else ""
    return (
        _config(f"stg_{s}", s, extra)
        + "{#- Generated by `cutover scaffold`: renames and casts only. Why each type:\n"
        + rules.replace("{", "(").replace("}", ")")
        + "\n-#}\n{%- set casts = [] -%}\n\nwith\n\nsource as (\n"
        + f"    select * from {{{{ source('{s}', '{table.name}') }}}}\n"
        + "    where _sdc_deleted_at is null\n),\n\nrenamed as (\n    select\n"
        + "\n".join(select)
        + "\n    from source\n)\n\nselect * from renamed\n"
    )


def _checked(plan: SystemPlan, table: TablePlan) -> str:
    s = plan.system
    depends = "".join(
        f"-- depends_on: {{{{ ref('int_{s}__{p}_checked') }}}}\n" for p in table.parents
    )
    return (
        _config(f"stg_{s}", s)
        + depends
        + f"{{{{ checked_rows('{s}__{table.name}', ref('stg_{s}__{table.name}')) }}}}\n"
    )


def _final(plan: SystemPlan, table: TablePlan) -> str:
    s = plan.system
    return (
        _config(f"{s}_next", s, f", alias='{table.name}'")
        + f"{{{{ accepted_rows('int_{s}__{table.name}_checked') }}}}\n"
    )


def _staging_yml(plan: SystemPlan) -> str:
    s = plan.system
    lines = ["version: 2", "", "models:"]
    for table in plan.tables:
        lines.append(f"  - name: stg_{s}__{table.name}")
        lines.append(f"    description: {_q(f'{table.source} from the source, renamed and cast.')}")
    return "\n".join(lines) + "\n"


def _checked_yml(plan: SystemPlan) -> str:
    s = plan.system
    lines = ["version: 2", "", "models:"]
    for table in plan.tables:
        lines.append(f"  - name: int_{s}__{table.name}_checked")
        lines.append(
            "    description: "
            + _q(f"{table.name} rows checked against the {s}__{table.name} contract.")
        )
    return "\n".join(lines) + "\n"


def _column_yml(column: ColumnPlan) -> list[str]:
    lines = [f"      - name: {_q(column.name)}", f"        data_type: {column.pg_type}"]
    if not is_plain_identifier(column.name):
        lines.append("        quote: true")
    if column.not_null:
        lines.append("        constraints: [{type: not_null}]")
    if column.source != column.name:
        lines.append(f"        config: {{meta: {{source_column: {_q(column.source)}}}}}")
    return lines


def _final_yml(plan: SystemPlan) -> str:
    s = plan.system
    lines = ["version: 2", "", "models:"]
    for table in plan.tables:
        t = table.name
        lines += [
            f"  - name: {s}__{t}",
            f"    description: {_q(f'{table.source} ({table.row_count:,} rows in the source).')}",
            "    config:",
            f"      alias: {t}",
            "      meta:",
            f"        app_schema: {s}",
        ]
        if table.identity:
            lines.append("        identity:")
            lines.append(f"          column: {table.identity}")
            if table.sequence_floor:
                lines.append(
                    f"          floor: {{source: [{s}, sqlite_sequence], key: {_q(table.source)}}}"
                )
        own = [fk for fk in table.foreign_keys if fk.parent == t]
        if own:
            lines.append("        self_foreign_keys:")
            lines += [
                f"          - {{name: {fk.name}, columns: [{', '.join(fk.columns)}], "
                f"to_columns: [{', '.join(fk.parent_columns)}]}}"
                for fk in own
            ]
        if table.indexes:
            lines.append("        named_indexes:")
            lines += [
                f"          - {{name: {n}, columns: [{', '.join(cols)}]}}"
                for n, cols in table.indexes
            ]
        lines.append("    constraints:")
        lines += [
            "      - type: primary_key",
            f"        name: {shorten(f'pk_{t}', t)}",
            f"        columns: [{_sql_names(table.primary_key)}]",
        ]
        for unique in table.unique_keys:
            lines += [
                "      - type: unique",
                f"        name: {shorten(f'uq_{t}_' + '_'.join(unique), t + str(unique))}",
                f"        columns: [{_sql_names(unique)}]",
            ]
        for fk in (fk for fk in table.foreign_keys if fk.parent != t):
            lines += [
                "      - type: foreign_key",
                f"        name: {fk.name}",
                f"        columns: [{_sql_names(fk.columns)}]",
                f"        to: ref('{s}__{fk.parent}')",
                f"        to_columns: [{_sql_names(fk.parent_columns)}]",
            ]
        for name, expression in table.checks:
            lines += [
                "      - type: check",
                f"        name: {name}",
                f"        expression: {_q(expression)}",
            ]
        lines.append("    columns:")
        for column in table.columns:
            lines += _column_yml(column)
        lines.append("")
    return "\n".join(lines)


def _audit_yml(plan: SystemPlan) -> str:
    s = plan.system
    return f"""version: 2

models:
  - name: {s}_audit__rejects
    description: Every {s} source row that could not enter its final table, with its reasons.
    columns:
      - name: source_table
        data_tests: [not_null]
      - name: source_key
        data_tests: [not_null]
      - name: reason
        data_tests: [not_null]
  - name: {s}_audit__reconciliation
    description: Per table, source, raw, final and rejected rows; unaccounted must be 0.
    columns:
      - name: table_name
        data_tests: [unique, not_null]
"""


def _rejects(plan: SystemPlan) -> str:
    s = plan.system
    items = ",\n".join(
        f"    {{'table': '{t.name}', 'checked': ref('int_{s}__{t.name}_checked'),\n"
        f"     'raw': source('{s}', '{t.name}'), 'key': {list(t.source_key)!r}}}"
        for t in plan.tables
    )
    return (
        _config(f"{s}_audit", s, ", alias='rejects'")
        + "\n{{ rejected_rows([\n"
        + items
        + "\n]) }}\n"
    )


def _reconciliation(plan: SystemPlan) -> str:
    s = plan.system
    names = "".join(f"\n    '{t.name}'," for t in plan.tables)
    renamed = "".join(f"\n    '{t.name}': '{t.source}'," for t in plan.tables if t.source != t.name)
    renamed += "\n" if renamed else ""
    return (
        _config(f"{s}_audit", s, ", alias='reconciliation'")
        + f"\n{{{{ reconciliation('{s}', [{names}\n], {{{renamed}}}) }}}}\n"
    )


def _parity(plan: SystemPlan) -> str:
    lines = [
        "# Source objects the target does not have on purpose, with the reason (cutover gate).",
        "explained:",
    ]
    for name, reason in plan.skipped:
        if reason.startswith("no primary key"):
            lines += ["  - kind: tables", f"    object: {_q(name)}", f"    reason: {_q(reason)}"]
    for view in plan.views:
        lines += [
            "  - kind: views",
            f"    object: {_q(view)}",
            "    reason: its rows are extracted to raw; SQLite view SQL is not migrated",
        ]
    for trigger in plan.triggers:
        lines += [
            "  - kind: triggers",
            f"    object: {_q(trigger)}",
            "    reason: SQLite trigger not translated; port it to PL/pgSQL if the app needs it",
        ]
    if len(lines) == 2:
        lines[-1] = "explained: []"
    return "\n".join(lines) + "\n"
