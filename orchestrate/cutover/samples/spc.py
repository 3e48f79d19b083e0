"""SPC (seed 001): the `db.sqlite3` a Django 4.2 project leaves after years on SQLite.

The app (`apps.spc`, statistical process control) keeps products with their spec limits,
inspection plans, X-bar/R control charts and quality measurements, next to Django's own
tables (migrations, content types, auth, sessions, admin log). The DDL is what Django's
SQLite schema editor writes: `"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT`,
`varchar(n)`, `bool`, `datetime`, `decimal`, foreign keys inline as `REFERENCES ...
DEFERRABLE INITIALLY DEFERRED`, FK indexes named `<table>_<column>_<md5 8>`, Meta indexes
named `<table 11>_<column 7>_<md5 6>_idx`, unique_together as `..._<md5 8>_uniq`.

Three writers filled the file, each leaving its own shapes:
- Django (forms, admin, DRF): datetimes as naive UTC text (`2024-03-05 14:22:10.123456`,
  USE_TZ=True), decimals through NUMERIC affinity (REAL, or INTEGER when whole), bools 0/1
- the line PCs' collector script (raw `sqlite3`, foreign_keys off): aware datetimes
  (`...+00:00`), values as Python floats with noise (12.299999999999999), 'N/A' on timeouts
- a monthly Excel import (raw SQL): `datetime('now')` stamps, KST times with `+09:00`,
  Korean-locale dates, a full-width digit, 'Y' for a bool, codes with trailing blanks

The same seed and size always give the same bytes. A manifest beside the file says which
rows the migration must reject and why, computed here in Python by emulating the staging
casts and the final tables' contracts (`TableContract`, also written to the manifest).
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from hashlib import md5
from pathlib import Path
from typing import Any

from cutover.samples import PROGRESS_FROM, SampleResult, insert_rows
from cutover.samples.coldchain import Reject

DEFAULT_MEASUREMENTS = 3000
KST = timedelta(hours=9)
START = datetime(2023, 3, 2, 1, 12, 44, 318_204)  # the first `manage.py migrate`

Row = dict[str, Any]


# == Contract emulation: what staging casts and the final tables' contracts reject ======
# Mirrors transform/macros/cleaning (try_cast, to_boolean, to_utc_timestamp, clean_text)
# and transform/macros/contracts/checked_rows.sql, so the manifest's expected rejects are
# computed independently of dbt. The LawFirm sample uses it too.


@dataclass(frozen=True)
class Col:
    """A column of a final table: how staging reads the raw value, and its final type.

    stage: int | num | float | bool | ts | json (cast; a non-blank value that does not fit
    is `cast_failed`), clean (trimmed, blank becomes NULL), raw (copied as is).
    """

    name: str
    stage: str
    pg_type: str
    required: bool = False


@dataclass(frozen=True)
class Check:
    name: str
    sql: str
    test: Callable[[Mapping[str, Any]], bool | None]  # None: SQL NULL, which passes


@dataclass(frozen=True)
class ForeignKey:
    name: str
    column: str
    parent: str
    parent_column: str = "id"


@dataclass(frozen=True)
class TableContract:
    table: str
    key: str
    columns: tuple[Col, ...]
    checks: tuple[Check, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (constraint name, columns)

    def describe(self) -> dict[str, object]:
        return {
            "primary_key": [self.key],
            "columns": {
                c.name: f"{c.pg_type}{' not null' if c.required else ''} ({c.stage})"
                for c in self.columns
            },
            "checks": {c.name: c.sql for c in self.checks},
            "foreign_keys": {
                fk.name: f"{fk.column} -> {fk.parent}.{fk.parent_column}"
                for fk in self.foreign_keys
            },
            "unique": {name: list(columns) for name, columns in self.unique},
        }


_INT = re.compile(r"\s*[+-]?[0-9]+\s*")
_NUM = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")
_NUM_SPECIAL = {"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_BOOL = {"1": True, "true": True, "t": True, "yes": True}
_BOOL |= {"0": False, "false": False, "f": False, "no": False}
_EPOCH = re.compile(r"-?[0-9]{9,11}(\.[0-9]+)?")
_EPOCH_MS = re.compile(r"[0-9]{12,14}")
_STAMP = r"([0-9]{4})-([0-9]{2})-([0-9]{2})( ([0-9]{2}):([0-9]{2})(:([0-9]{2})(\.[0-9]{1,6})?)?)?"
_NAIVE = re.compile(_STAMP)
_AWARE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
    r" ?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
)
_EPOCH_0 = datetime(1970, 1, 1)


def pg_text(raw: object) -> str | None:
    """The raw value as `column::text` shows it after the load (reals as Python repr)."""
    if raw is None:
        return None
    return repr(raw) if isinstance(raw, float) else str(raw)


def parse_timestamp(text: str) -> datetime | None:
    """to_utc_timestamp(): the naive UTC instant a stored timestamp means, or None."""
    raw = text.strip(" ")
    if _EPOCH.fullmatch(raw) and float(raw) >= -62135596800:
        return _EPOCH_0 + timedelta(seconds=float(raw))
    if _EPOCH_MS.fullmatch(raw):
        return _EPOCH_0 + timedelta(seconds=float(raw) / 1000)
    normal = raw.translate(str.maketrans("T/", " -"))
    if match := _NAIVE.fullmatch(normal):
        return _naive(match)
    if match := _AWARE.fullmatch(normal):
        local = _naive(_NAIVE.fullmatch(match.group(1)))  # type: ignore[arg-type]
        return None if local is None else local - _offset(match.group(2))
    return None


def _naive(match: re.Match[str]) -> datetime | None:
    year, month, day, _, hour, minute, _, second, fraction = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or ".0")[1:].ljust(6, "0")),
        )
    except ValueError:
        return None


def _offset(zone: str) -> timedelta:
    if zone == "Z":
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return -delta if zone[0] == "-" else delta


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _parse_json(text: str) -> str | None:
    """jsonb input: strict JSON (no NaN/Infinity) without \\u0000."""
    if "\\u0000" in text:
        return None
    try:
        json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return None
    return text


def _parse_int(text: str) -> int | None:
    if not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def _parse_num(text: str) -> Decimal | None:
    special = text.strip().lower() in _NUM_SPECIAL
    return Decimal(text.strip()) if special or _NUM.fullmatch(text) else None


def _parse_float(text: str) -> float | None:
    special = text.strip().lower() in _NUM_SPECIAL
    return float(text.strip()) if special or _NUM.fullmatch(text) else None


PARSERS: dict[str, Callable[[str], object]] = {
    "int": _parse_int,
    "num": _parse_num,
    "float": _parse_float,
    "bool": lambda text: _BOOL.get(text.strip(" ").lower()),
    "ts": parse_timestamp,
    "json": _parse_json,
}


def stage_value(stage: str, raw: object) -> tuple[object, bool]:
    """The staged value and whether the raw value failed its cast (cast_failed)."""
    text = pg_text(raw)
    if stage == "raw" or text is None:
        return text, False
    if stage == "clean":
        return text.strip(" \t\r\n") or None, False
    if not text.strip(" "):
        return None, False
    value = PARSERS[stage](text)
    return value, value is None


def _out_of_range(pg_type: str, value: object) -> bool:
    if value is None:
        return False
    if match := re.fullmatch(r"numeric\((\d+),\s*(\d+)\)", pg_type):
        digits, scale = int(match.group(1)), int(match.group(2))
        number = Decimal(value)  # type: ignore[arg-type]
        if not number.is_finite() or abs(number) >= Decimal(10) ** (digits - scale + 1):
            return True
        rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        return abs(rounded) >= Decimal(10) ** (digits - scale)
    bits = {"integer": 31, "smallint": 15}.get(pg_type)
    return bits is not None and not -(2**bits) <= value < 2**bits  # type: ignore[operator]


def _max_length(pg_type: str) -> int | None:
    match = re.fullmatch(r"(?:varchar|char)\((\d+)\)", pg_type)
    return int(match.group(1)) if match else None


def _value_reasons(contract: TableContract, row: Row) -> tuple[Row, list[tuple[str, str]]]:
    values: Row = {}
    reasons: list[tuple[str, str]] = []
    for col in contract.columns:
        values[col.name], failed = stage_value(col.stage, row[col.name])
        if failed:
            reasons.append(("cast_failed", f"{col.name}={pg_text(row[col.name])[:80]}"))  # type: ignore[index]
    cols = contract.columns
    reasons += [("required_null", c.name) for c in cols if c.required and values[c.name] is None]
    for col in cols:
        limit = _max_length(col.pg_type)
        if limit and isinstance(values[col.name], str) and len(values[col.name]) > limit:
            reasons.append(("too_long", col.name))
    reasons += [("out_of_range", c.name) for c in cols if _out_of_range(c.pg_type, values[c.name])]
    reasons += [("check_failed", ch.name) for ch in contract.checks if ch.test(values) is False]
    return values, reasons


def expected_rejects(
    contracts: Sequence[TableContract], rows: Mapping[str, list[Row]]
) -> list[Reject]:
    """The rows the final tables' contracts reject, parents first, first reason each.

    Per row: cast failures, NULLs in required columns, text too long, numbers out of
    range, false checks; then foreign keys (no parent: orphan_fk; parent rejected:
    parent_rejected); then among the rows still clean, later repeats of a key
    (by primary key order) are duplicate_key.
    """
    accepted: dict[str, dict[object, bool]] = {}
    result: list[Reject] = []
    for contract in contracts:
        staged = [_value_reasons(contract, row) for row in rows[contract.table]]
        for values, reasons in staged:
            reasons += _fk_reasons(contract, values, accepted)
        _mark_duplicates(contract, staged)
        accepted[contract.table] = {}
        for row, (values, reasons) in zip(rows[contract.table], staged, strict=True):
            key = values[contract.key]
            accepted[contract.table][key] = accepted[contract.table].get(key, False) or not reasons
            if reasons:
                reason, detail = reasons[0]
                result.append(Reject(contract.table, row[contract.key], reason, detail))
    return result


def _fk_reasons(
    contract: TableContract, values: Row, accepted: Mapping[str, Mapping[object, bool]]
) -> list[tuple[str, str]]:
    reasons = []
    for fk in contract.foreign_keys:
        value = values[fk.column]
        if value is None:
            continue
        if value not in accepted[fk.parent]:
            reasons.append(("orphan_fk", f"{fk.column}={value}"))
        elif not accepted[fk.parent][value]:
            reasons.append(("parent_rejected", f"{fk.column}={value}"))
    return reasons


def _mark_duplicates(
    contract: TableContract, staged: list[tuple[Row, list[tuple[str, str]]]]
) -> None:
    keys = [("pk", (contract.key,)), *contract.unique]
    clean = [(values, reasons) for values, reasons in staged if not reasons]
    clean.sort(key=lambda item: item[0][contract.key])
    for _, columns in keys:
        seen: set[tuple[object, ...]] = set()
        for values, reasons in clean:
            value = tuple(values[c] for c in columns)
            if None in value:
                continue
            if value in seen:
                shown = ", ".join(f"{c}={v}" for c, v in zip(columns, value, strict=True))
                reasons.append(("duplicate_key", shown))
            seen.add(value)


# == Timestamps: what each writer stored, and what it means ===============================


@dataclass(frozen=True)
class StampFormat:
    render: Callable[[datetime], str | float]
    keeps: str  # precision the stored form keeps: "us", "ms" or "s"


def truncate(utc: datetime, keeps: str) -> datetime:
    if keeps == "s":
        return utc.replace(microsecond=0)
    if keeps == "ms":
        return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    return utc


class StampBook:
    """Renders UTC instants in a writer's format; keeps the first samples of each format."""

    def __init__(self, formats: Mapping[str, StampFormat]) -> None:
        self.formats = formats
        self.samples: list[dict[str, object]] = []
        self._seen: dict[str, int] = {}

    def stamp(self, utc: datetime, fmt: str, table: str, key: object, column: str) -> object:
        spec = self.formats[fmt]
        stored = spec.render(utc)
        if self._seen.get(fmt, 0) < 8:
            self._seen[fmt] = self._seen.get(fmt, 0) + 1
            expected = truncate(utc, spec.keeps)
            self.samples.append(
                {
                    "table": table,
                    "key": key,
                    "column": column,
                    "format": fmt,
                    "stored": stored,
                    "expected_utc": expected.isoformat(sep=" "),
                }
            )
        return stored


SPC_STAMPS = {
    # Django, USE_TZ=True: naive UTC through str(); no fraction when microsecond is 0.
    "django": StampFormat(str, "us"),
    # Raw sqlite3 with aware datetimes: the stdlib adapter's isoformat(" ").
    "raw_utc_offset": StampFormat(lambda utc: str(utc.replace(tzinfo=UTC)), "us"),
    # DEFAULT / datetime('now') in raw SQL.
    "sqlite_now": StampFormat(lambda utc: utc.strftime("%Y-%m-%d %H:%M:%S"), "s"),
    # Excel export of the DRF API (Asia/Seoul), pasted back by the import script.
    "excel_kst": StampFormat(lambda utc: (utc + KST).strftime("%Y-%m-%dT%H:%M:%S") + "+09:00", "s"),
}


# == Django's DDL on SQLite ===============================================================


def names_digest(*parts: str, length: int) -> str:
    """django.db.backends.utils.names_digest."""
    digest = md5(usedforsecurity=False)
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()[:length]


def index_name(table: str, columns: Sequence[str], suffix: str = "") -> str:
    """BaseDatabaseSchemaEditor._create_index_name (FK indexes, unique_together)."""
    return f"{table}_{'_'.join(columns)}_{names_digest(table, *columns, length=8)}{suffix}"


def meta_index_name(table: str, fields: Sequence[str]) -> str:
    """models.Index.set_name_with_model ('-field' for descending)."""
    first = fields[0].lstrip("-")
    return f"{table[:11]}_{first[:7]}_{names_digest(table, *fields, 'idx', length=6)}_idx"


@dataclass(frozen=True)
class Field:
    column: str
    db_type: str  # Django's SQLite data type
    null: bool = False
    unique: bool = False
    references: str | None = None
    check: str | None = None
    stage: str | None = None  # how staging reads it; default from db_type
    required: bool | None = None  # the model's rule; default: NOT NULL in the DDL
    db_index: bool = False
    primary_key: bool = False

    def sql(self) -> str:
        parts = [f'"{self.column}"', self.db_type, "NULL" if self.null else "NOT NULL"]
        if self.primary_key:
            parts.append("PRIMARY KEY")
        elif self.unique:
            parts.append("UNIQUE")
        if self.check:
            parts.append(f"CHECK ({self.check})")
        if self.references:
            parts.append(f'REFERENCES "{self.references}" ("id") DEFERRABLE INITIALLY DEFERRED')
        return " ".join(parts)

    def contract(self) -> Col:
        stage = self.stage or STAGES[self.db_type.split("(")[0]]
        pg_type = "jsonb" if stage == "json" else PG_TYPES.get(self.db_type, self.db_type)
        required = (not self.null) if self.required is None else self.required
        return Col(self.column, stage, pg_type, required)


STAGES = {
    "integer": "int",
    "bigint": "int",
    "smallint unsigned": "int",
    "decimal": "num",
    "real": "float",
    "bool": "bool",
    "datetime": "ts",
    "varchar": "clean",
    "text": "raw",
}
PG_TYPES = {
    "smallint unsigned": "smallint",
    "decimal": "numeric(12,4)",
    "real": "double precision",
    "bool": "boolean",
    "datetime": "timestamp",
}


def json_field(column: str) -> Field:
    check = f'(JSON_VALID("{column}") OR "{column}" IS NULL)'
    return Field(column, "text", check=check, stage="json")


@dataclass(frozen=True)
class Model:
    table: str
    fields: tuple[Field, ...]
    id_type: str | None = "integer"  # AutoField (contrib) or BigAutoField (the app)
    unique_together: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()  # Meta.indexes, '-field' descending
    added_later: tuple[Field, ...] = ()  # AddField(null=True): ALTER TABLE ADD COLUMN

    @property
    def columns(self) -> list[str]:
        first = ["id"] if self.id_type else []
        return first + [f.column for f in self.fields + self.added_later]

    def ddl(self) -> list[str]:
        id_sql = ['"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT'] if self.id_type else []
        body = ", ".join(id_sql + [f.sql() for f in self.fields])
        statements = [f'CREATE TABLE "{self.table}" ({body})']
        for columns in self.unique_together:
            quoted = ", ".join(f'"{c}"' for c in columns)
            name = index_name(self.table, columns, "_uniq")
            statements.append(f'CREATE UNIQUE INDEX "{name}" ON "{self.table}" ({quoted})')
        for f in self.fields:
            if f.references or f.db_index:
                name = index_name(self.table, [f.column])
                statements.append(f'CREATE INDEX "{name}" ON "{self.table}" ("{f.column}")')
        for fields in self.indexes:
            quoted = ", ".join(
                f'"{n.lstrip("-")}"' + (" DESC" if n.startswith("-") else "") for n in fields
            )
            name = meta_index_name(self.table, fields)
            statements.append(f'CREATE INDEX "{name}" ON "{self.table}" ({quoted})')
        for f in self.added_later:
            statements.append(f'ALTER TABLE "{self.table}" ADD COLUMN {f.sql()}')
        return statements

    def contract(self, checks: tuple[Check, ...] = ()) -> TableContract:
        pk_type = "bigint" if self.id_type == "bigint" else "integer"
        cols = [Col("id", "int", pk_type, True)] if self.id_type else []
        cols += [f.contract() for f in self.fields + self.added_later]
        fks = tuple(
            ForeignKey(f"fk_{self.table}_{f.column}", f.column, f.references)
            for f in self.fields + self.added_later
            if f.references
        )
        unique = tuple(
            (f"uq_{self.table}_{f.column}", (f.column,)) for f in self.fields if f.unique
        ) + tuple((f"uq_{self.table}_{'_'.join(cs)}", cs) for cs in self.unique_together)
        return TableContract(self.table, cols[0].name, tuple(cols), checks, fks, unique)


def _fk(column: str, parent: str, db_type: str = "integer", null: bool = False) -> Field:
    return Field(column, db_type, null=null, references=parent)


def _raw(column: str, db_type: str) -> Field:
    """A CharField with blank=True: '' is a value, not a missing one."""
    return Field(column, db_type, stage="raw")


MODELS = [
    Model(
        "django_migrations",
        (Field("app", "varchar(255)"), Field("name", "varchar(255)"), Field("applied", "datetime")),
    ),
    Model(
        "django_content_type",
        (Field("app_label", "varchar(100)"), Field("model", "varchar(100)")),
        unique_together=(("app_label", "model"),),
    ),
    Model(
        "auth_permission",
        (
            _fk("content_type_id", "django_content_type"),
            Field("codename", "varchar(100)"),
            Field("name", "varchar(255)"),
        ),
        unique_together=(("content_type_id", "codename"),),
    ),
    Model("auth_group", (Field("name", "varchar(150)", unique=True),)),
    Model(
        "auth_group_permissions",
        (_fk("group_id", "auth_group"), _fk("permission_id", "auth_permission")),
        unique_together=(("group_id", "permission_id"),),
    ),
    Model(
        "auth_user",
        (
            _raw("password", "varchar(128)"),
            Field("last_login", "datetime", null=True),
            Field("is_superuser", "bool"),
            Field("username", "varchar(150)", unique=True),
            _raw("last_name", "varchar(150)"),
            _raw("email", "varchar(254)"),
            Field("is_staff", "bool"),
            Field("is_active", "bool"),
            Field("date_joined", "datetime"),
            _raw("first_name", "varchar(150)"),
        ),
    ),
    Model(
        "auth_user_groups",
        (_fk("user_id", "auth_user"), _fk("group_id", "auth_group")),
        unique_together=(("user_id", "group_id"),),
    ),
    Model(
        "auth_user_user_permissions",
        (_fk("user_id", "auth_user"), _fk("permission_id", "auth_permission")),
        unique_together=(("user_id", "permission_id"),),
    ),
    Model(
        "django_admin_log",
        (
            Field("object_id", "text", null=True),
            _raw("object_repr", "varchar(200)"),
            Field("action_flag", "smallint unsigned", check='"action_flag" >= 0'),
            Field("change_message", "text"),
            _fk("content_type_id", "django_content_type", null=True),
            _fk("user_id", "auth_user"),
            Field("action_time", "datetime"),
        ),
    ),
    Model(
        "django_session",
        (
            Field("session_key", "varchar(40)", primary_key=True),
            Field("session_data", "text"),
            Field("expire_date", "datetime", db_index=True),
        ),
        id_type=None,
    ),
    Model(
        "spc_product",
        (
            Field("product_code", "varchar(50)", unique=True),
            Field("product_name", "varchar(200)"),
            Field("usl", "decimal"),
            Field("lsl", "decimal"),
            Field("target_value", "decimal", null=True),
            Field("unit", "varchar(20)"),
            Field("description", "text"),
            Field("is_active", "bool"),
            Field("created_at", "datetime"),
            Field("updated_at", "datetime"),
        ),
        id_type="bigint",
        indexes=(("product_code",), ("-created_at",)),  # the guide's Meta.indexes
    ),
    Model(
        "spc_inspection_plan",
        (
            Field("plan_name", "varchar(200)"),
            Field("frequency", "varchar(20)"),
            Field("sample_size", "integer"),
            Field("subgroup_size", "integer"),
            Field("sampling_method", "varchar(20)"),
            Field("characteristic", "varchar(100)"),
            Field("measurement_method", "text"),
            Field("is_active", "bool"),
            Field("created_at", "datetime"),
            Field("updated_at", "datetime"),
            _fk("product_id", "spc_product", "bigint"),
        ),
        id_type="bigint",
    ),
    Model(
        "spc_control_chart",
        (
            Field("chart_type", "varchar(20)"),
            Field("xbar_ucl", "real", null=True),
            Field("xbar_cl", "real", null=True),
            Field("xbar_lcl", "real", null=True),
            Field("r_ucl", "real", null=True),
            Field("r_cl", "real", null=True),
            Field("r_lcl", "real", null=True),
            Field("subgroup_size", "integer"),
            Field("num_subgroups", "integer"),
            Field("calculated_at", "datetime"),
            Field("is_active", "bool"),
            Field("created_at", "datetime"),
            Field("updated_at", "datetime"),
            _fk("inspection_plan_id", "spc_inspection_plan", "bigint"),
            _fk("product_id", "spc_product", "bigint"),
        ),
        id_type="bigint",
        unique_together=(("product_id", "chart_type", "is_active"),),
    ),
    Model(
        "spc_quality_measurement",
        (
            Field("measurement_value", "decimal"),
            Field("sample_number", "integer"),
            Field("subgroup_number", "integer"),
            Field("measured_at", "datetime"),
            _raw("machine_id", "varchar(50)"),
            _raw("lot_number", "varchar(50)"),
            Field("is_within_spec", "bool"),
            Field("is_within_control", "bool"),
            Field("remarks", "text"),
            json_field("metadata"),
            Field("created_at", "datetime"),
            _fk("inspection_plan_id", "spc_inspection_plan", "bigint", null=True),
            _fk("product_id", "spc_product", "bigint"),
        ),
        id_type="bigint",
        indexes=(("product_id", "measured_at"), ("subgroup_number",)),
        # 0003 added it nullable; the model says required, its 0004 never ran on this file.
        added_later=(Field("measured_by", "varchar(100)", null=True, required=True),),
    ),
]
MODEL = {m.table: m for m in MODELS}
TABLE_ORDER = [m.table for m in MODELS]  # parents first

FREQUENCIES = ("HOURLY", "SHIFT", "DAILY", "BATCH")
SAMPLING = ("ALL", "RANDOM", "PERIODIC")
CHART_TYPES = ("XBAR_R", "XBAR_S", "I_MR", "P_CHART", "NP_CHART", "C_CHART", "U_CHART")


def _sql_in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _all(*values: object) -> bool:
    return all(v is not None for v in values)


CHECKS: dict[str, tuple[Check, ...]] = {
    "django_admin_log": (
        Check(
            "ck_django_admin_log_action_flag",
            "action_flag >= 0",
            lambda r: None if r["action_flag"] is None else r["action_flag"] >= 0,
        ),
    ),
    "spc_product": (
        Check(
            "ck_spc_product_spec_limits",
            "lsl < usl",
            lambda r: r["lsl"] < r["usl"] if _all(r["lsl"], r["usl"]) else None,
        ),
        Check(
            "ck_spc_product_target_within_limits",
            "target_value between lsl and usl",
            lambda r: (
                r["lsl"] <= r["target_value"] <= r["usl"]
                if _all(r["lsl"], r["usl"], r["target_value"])
                else None
            ),
        ),
    ),
    "spc_inspection_plan": (
        Check(
            "ck_spc_inspection_plan_frequency",
            f"frequency in {_sql_in(FREQUENCIES)}",
            lambda r: None if r["frequency"] is None else r["frequency"] in FREQUENCIES,
        ),
        Check(
            "ck_spc_inspection_plan_sampling_method",
            f"sampling_method in {_sql_in(SAMPLING)}",
            lambda r: None if r["sampling_method"] is None else r["sampling_method"] in SAMPLING,
        ),
        Check(
            "ck_spc_inspection_plan_sizes",
            "sample_size > 0 and subgroup_size > 0",
            lambda r: (
                r["sample_size"] > 0 and r["subgroup_size"] > 0
                if _all(r["sample_size"], r["subgroup_size"])
                else None
            ),
        ),
    ),
    "spc_control_chart": (
        Check(
            "ck_spc_control_chart_chart_type",
            f"chart_type in {_sql_in(CHART_TYPES)}",
            lambda r: None if r["chart_type"] is None else r["chart_type"] in CHART_TYPES,
        ),
    ),
    "spc_quality_measurement": (
        Check(
            "ck_spc_quality_measurement_sample_number",
            "sample_number >= 1",
            lambda r: None if r["sample_number"] is None else r["sample_number"] >= 1,
        ),
    ),
}
CONTRACTS = [m.contract(CHECKS.get(m.table, ())) for m in MODELS]


# == The data =============================================================================


@dataclass(frozen=True)
class Kind:
    code: str
    name: str
    characteristic: str
    unit: str
    target: float
    tolerance: float


KINDS = [
    Kind("BRK", "브레이크 디스크", "두께", "mm", 28.0, 0.15),
    Kind("CAM", "캠샤프트 저널", "외경", "\u339c", 45.0, 0.02),  # ㎜, as typed on Korean IMEs
    Kind("BLT", "실린더 헤드 볼트", "체결 토크", "N·m", 95.0, 5.0),
    Kind("PCB", "PCB 솔더 조인트", "높이", "\u03bcm", 120.0, 15.0),
    Kind("INJ", "사출 하우징", "중량", "g", 152.5, 1.2),
    Kind("BAT", "배터리 셀 파우치", "두께", "mm", 11.6, 0.1),
    Kind("PNT", "도장 패널", "도막 두께", "\u03bcm", 85.0, 10.0),
    Kind("GER", "열처리 기어", "표면 경도", "HRC", 60.0, 2.0),
    Kind("HOS", "냉각수 호스", "파열 압력", "kPa", 300.0, 20.0),
    Kind("CAP", "전해 콘덴서", "정전용량", "\u03bcF", 470.0, 47.0),
    Kind("WLD", "스폿 용접 너겟", "직경", "mm", 6.0, 0.5),
    Kind("WFR", "실리콘 웨이퍼", "산화막 두께", "\u00c5", 1200.0, 30.0),
    Kind("TSN", "온도 센서 모듈", "측정 오차", "\u2103", 0.0, 0.5),
    Kind("RES", "정밀 저항", "저항값", "\u03a9", 100.0, 1.0),
]
VARIANTS = ["A형", "B형", "LH", "RH", "2세대", "수출용", "Ø280", "고내열", "경량", "표준"]
SURNAMES = [("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi"), ("정", "jung")]
SURNAMES += [("강", "kang"), ("조", "cho"), ("윤", "yoon"), ("장", "jang"), ("한", "han")]
GIVEN = [("민준", "minjun"), ("서연", "seoyeon"), ("도윤", "doyun"), ("지우", "jiwoo")]
GIVEN += [("하준", "hajun"), ("수아", "sua"), ("예준", "yejun"), ("지민", "jimin")]
GIVEN += [("현우", "hyunwoo"), ("채원", "chaewon"), ("유진", "yujin"), ("시우", "siwoo")]
GROUPS = ["품질관리자", "검사원", "생산관리", "조회전용"]
METHODS = ["마이크로미터 3회 측정 평균", "3차원 측정기(CMM)", "토크 렌치 검사", "", "전자저울"]
REMARKS = [
    "",
    "",
    "",
    "",
    "게이지 재교정 후 측정 🔧",
    "야간조 측정",
    "샘플 표면 이물 제거 후 재측정",
]
REMARKS += ["⚠️ 규격 경계값, 재확인 필요", "Lot 전환 첫 샘플"]
APP_MODELS = [
    ("product", "product"),
    ("inspectionplan", "inspection plan"),
    ("qualitymeasurement", "quality measurement"),
    ("controlchart", "control chart"),
]
CONTENT_TYPES = [
    ("admin", "logentry", "log entry"),
    ("auth", "permission", "permission"),
    ("auth", "group", "group"),
    ("auth", "user", "user"),
    ("contenttypes", "contenttype", "content type"),
    ("sessions", "session", "session"),
] + [("spc", model, verbose) for model, verbose in APP_MODELS]
MIGRATIONS = [
    ("contenttypes", "0001_initial"),
    ("auth", "0001_initial"),
    ("admin", "0001_initial"),
    ("admin", "0002_logentry_remove_auto_add"),
    ("admin", "0003_logentry_add_action_flag_choices"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0002_alter_permission_name_max_length"),
    ("auth", "0003_alter_user_email_max_length"),
    ("auth", "0004_alter_user_username_opts"),
    ("auth", "0005_alter_user_last_login_null"),
    ("auth", "0006_require_contenttypes_0002"),
    ("auth", "0007_alter_validators_add_error_messages"),
    ("auth", "0008_alter_user_username_max_length"),
    ("auth", "0009_alter_user_last_name_max_length"),
    ("auth", "0010_alter_group_name_max_length"),
    ("auth", "0011_update_proxy_permissions"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("sessions", "0001_initial"),
    ("spc", "0001_initial"),
    ("spc", f"0002_product_{meta_index_name('spc_product', ['product_code'])}_and_more"),
    ("spc", "0003_qualitymeasurement_measured_by"),
]
MEASUREMENT_WRITERS = ("django", "collector", "excel")
INTERVALS = {"HOURLY": 1, "SHIFT": 8, "DAILY": 24, "BATCH": 4}  # hours between subgroups
D2_N5, A2_N5, D4_N5 = 2.326, 0.577, 2.114  # X-bar/R constants for subgroups of 5


def django_decimal(value: float | Decimal) -> int | float:
    """A DecimalField(12, 4) value as SQLite keeps it: Django's text through NUMERIC
    affinity becomes REAL, or INTEGER when whole."""
    quantized = Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return int(quantized) if quantized == quantized.to_integral_value() else float(quantized)


@dataclass
class Dataset:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    planted: list[Reject] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    stamp_samples: list[dict[str, object]] = field(default_factory=list)
    sqlite_sequence: dict[str, int] = field(default_factory=dict)
    contracts: list[TableContract] = field(default_factory=list)


def current_samples(
    samples: list[dict[str, object]], rows: Mapping[str, list[Row]], key_of: Mapping[str, str]
) -> list[dict[str, object]]:
    """Three samples per format whose row still holds the stored value (dirt may have
    replaced it, or deleted the row)."""
    tables = {s["table"] for s in samples}
    index = {
        (table, row[key_of.get(table, "id")]): row  # type: ignore[index]
        for table in tables
        for row in rows[table]  # type: ignore[index]
    }
    kept: list[dict[str, object]] = []
    for s in samples:
        row = index.get((s["table"], s["key"]))
        fresh = row is not None and row[s["column"]] == s["stored"]  # type: ignore[index]
        if fresh and sum(k["format"] == s["format"] for k in kept) < 3:
            kept.append(s)
    return kept


class SpcGenerator:
    def __init__(self, measurements: int, seed: int) -> None:
        if measurements < 300:
            raise ValueError("the SPC sample needs at least 300 measurements to plant its dirt")
        self.rng = random.Random(seed)
        self.n_measurements = measurements
        self.n_products = max(30, measurements // 75)
        self.measured_products = self.n_products * 4 // 5
        self.n_users = max(12, measurements // 250)
        self.stamps = StampBook(SPC_STAMPS)
        self.data = Dataset()
        self.rows = self.data.rows

    # -- helpers -------------------------------------------------------------------------
    def when(self, start: datetime = START, days: int = 700) -> datetime:
        seconds = self.rng.randrange(days * 86400)
        return start + timedelta(seconds=seconds, microseconds=self.rng.randrange(1_000_000))

    def stamp(self, utc: datetime, table: str, key: object, column: str, fmt: str) -> object:
        return self.stamps.stamp(utc, fmt, table, key, column)

    def add(self, table: str, row: Row) -> Row:
        self.rows.setdefault(table, []).append(row)
        return row

    def next_id(self, table: str) -> int:
        return len(self.rows.setdefault(table, [])) + 1

    # -- build ---------------------------------------------------------------------------
    def build(self) -> Dataset:
        for table in TABLE_ORDER:
            self.rows[table] = []
        self.django_tables()
        self.products()
        self.plans_and_charts()
        self.measurements()
        self.sessions_and_admin_log()
        self.plant_dirt()
        self.data.contracts = CONTRACTS
        self.data.rejects = expected_rejects(CONTRACTS, self.rows)
        keys = {"django_session": "session_key"}
        self.data.stamp_samples = current_samples(self.stamps.samples, self.rows, keys)
        self.data.sqlite_sequence = self.sequences()
        return self.data

    def django_tables(self) -> None:
        applied = START
        for app, name in MIGRATIONS:
            if app == "spc":
                applied += timedelta(days=self.rng.randrange(2, 120), seconds=self.rng.random())
            else:
                applied += timedelta(milliseconds=self.rng.randrange(5, 90))
            if (app, name) == ("spc", "0001_initial"):
                self.app_born = applied  # the app's tables exist from here on
            i = self.next_id("django_migrations")
            self.add(
                "django_migrations",
                {
                    "id": i,
                    "app": app,
                    "name": name,
                    "applied": self.stamp(applied, "django_migrations", i, "applied", "django"),
                },
            )
        for app_label, model, verbose in CONTENT_TYPES:
            ct = self.next_id("django_content_type")
            self.add("django_content_type", {"id": ct, "app_label": app_label, "model": model})
            for action in ("add", "change", "delete", "view"):
                self.add(
                    "auth_permission",
                    {
                        "id": self.next_id("auth_permission"),
                        "content_type_id": ct,
                        "codename": f"{action}_{model}",
                        "name": f"Can {action} {verbose}",
                    },
                )
        for name in GROUPS:
            self.add("auth_group", {"id": self.next_id("auth_group"), "name": name})
        spc_perms = [p for p in self.rows["auth_permission"] if p["content_type_id"] >= 7]
        grants = {
            1: spc_perms,
            2: [p for p in spc_perms if p["codename"].startswith(("view", "add_quality"))],
            3: [p for p in spc_perms if p["codename"].startswith("view")],
            4: [
                p for p in spc_perms if p["codename"] in ("view_product", "view_qualitymeasurement")
            ],
        }
        for group, perms in grants.items():
            for perm in perms:
                self.add(
                    "auth_group_permissions",
                    {
                        "id": self.next_id("auth_group_permissions"),
                        "group_id": group,
                        "permission_id": perm["id"],
                    },
                )
        for i in range(1, self.n_users + 1):
            self.user(i)

    def user(self, i: int) -> None:
        joined = self.when(START, 400)
        surname, roman_surname = self.rng.choice(SURNAMES)
        given, roman_given = self.rng.choice(GIVEN)
        username = "admin" if i == 1 else f"{roman_surname}.{roman_given}{i:02d}"
        salt = "".join(self.rng.choices("abcdefghijkLMNOPQRSTuvwxyz0123456789", k=22))
        digest = "".join(self.rng.choices("ABCDEFGHabcdefgh0123456789+/", k=43))
        self.add(
            "auth_user",
            {
                "id": i,
                "password": f"pbkdf2_sha256$600000${salt}${digest}=",
                "last_login": self.stamp(
                    joined + timedelta(days=self.rng.randrange(1, 300), seconds=37.5),
                    "auth_user",
                    i,
                    "last_login",
                    "django",
                )
                if self.rng.random() < 0.85
                else None,
                "is_superuser": int(i == 1),
                "username": username,
                "last_name": "" if i == 1 else surname,
                "email": "" if self.rng.random() < 0.15 else f"{username}@spc.example",
                "is_staff": int(i <= 3),
                "is_active": int(self.rng.random() < 0.9 or i <= 3),
                "date_joined": self.stamp(joined, "auth_user", i, "date_joined", "django"),
                "first_name": "" if i == 1 else given,
            },
        )
        if i > 1:
            self.add(
                "auth_user_groups",
                {
                    "id": self.next_id("auth_user_groups"),
                    "user_id": i,
                    "group_id": 1 if i <= 3 else self.rng.randrange(2, len(GROUPS) + 1),
                },
            )
        if i in (4, 5):
            codename = "delete_qualitymeasurement" if i == 4 else "change_product"
            perm = next(p for p in self.rows["auth_permission"] if p["codename"] == codename)
            self.add(
                "auth_user_user_permissions",
                {
                    "id": self.next_id("auth_user_user_permissions"),
                    "user_id": i,
                    "permission_id": perm["id"],
                },
            )

    def operator(self) -> str:
        user = self.rng.choice(self.rows["auth_user"][1:])
        return f"{user['last_name']}{user['first_name']}"

    def products(self) -> None:
        for i in range(1, self.n_products + 1):
            kind = self.rng.choice(KINDS)
            created = self.when(self.app_born + timedelta(hours=2), 500)
            target, tol = kind.target, kind.tolerance
            if self.rng.random() < 0.3:  # limits typed by an import script, as floats
                usl, lsl, target_value = target + tol, target - tol, float(target)
            else:
                usl, lsl = django_decimal(target + tol), django_decimal(target - tol)
                target_value = django_decimal(target)
            self.add(
                "spc_product",
                {
                    "id": i,
                    "product_code": f"{kind.code}-{i:04d}",
                    "product_name": f"{kind.name} {self.rng.choice(VARIANTS)}",
                    "usl": usl,
                    "lsl": lsl,
                    "target_value": target_value if self.rng.random() < 0.9 else None,
                    "unit": kind.unit,
                    "description": ""
                    if self.rng.random() < 0.5
                    else f"{kind.characteristic} 관리 대상 ({kind.unit})",
                    "is_active": int(i <= self.measured_products or self.rng.random() < 0.5),
                    "created_at": self.stamp(created, "spc_product", i, "created_at", "django"),
                    "updated_at": self.stamp(
                        created + timedelta(days=self.rng.randrange(60), seconds=1.25),
                        "spc_product",
                        i,
                        "updated_at",
                        "django",
                    ),
                    "_kind": kind,
                    "_created": created,
                },
            )

    def plans_and_charts(self) -> None:
        """Every measured product: one active plan with its X-bar/R chart, one draft."""
        self.active_plans: list[Row] = []
        for product in self.rows["spc_product"][: self.measured_products]:
            kind: Kind = product["_kind"]
            for active in (True, False):
                plan = self.plan(product, kind, active)
                if active:
                    self.active_plans.append(plan)
                    self.chart(product, plan, kind)

    def plan(self, product: Row, kind: Kind, active: bool) -> Row:
        i = self.next_id("spc_inspection_plan")
        created = product["_created"] + timedelta(hours=self.rng.randrange(1, 200))
        updated = created + timedelta(minutes=self.rng.randrange(1, 5000))
        size = 5 if active else self.rng.choice([3, 4, 5])
        return self.add(
            "spc_inspection_plan",
            {
                "id": i,
                "plan_name": f"{product['product_name']} {kind.characteristic} 검사"
                + ("" if active else " (초안)"),
                "frequency": self.rng.choice(FREQUENCIES),
                "sample_size": size,
                "subgroup_size": size,
                "sampling_method": self.rng.choice(SAMPLING),
                "characteristic": kind.characteristic,
                "measurement_method": self.rng.choice(METHODS),
                "is_active": int(active),
                "created_at": self.stamp(created, "spc_inspection_plan", i, "created_at", "django"),
                "updated_at": self.stamp(updated, "spc_inspection_plan", i, "updated_at", "django"),
                "product_id": product["id"],
                "_created": created,
            },
        )

    def chart(self, product: Row, plan: Row, kind: Kind) -> None:
        i = self.next_id("spc_control_chart")
        sigma = kind.tolerance / 4
        center = kind.target + self.rng.uniform(-0.3, 0.3) * sigma
        r_bar = D2_N5 * sigma
        created = plan["_created"] + timedelta(days=self.rng.randrange(1, 30))
        calculated = created + timedelta(days=self.rng.randrange(0, 90), seconds=3.5)
        self.add(
            "spc_control_chart",
            {
                "id": i,
                "chart_type": "XBAR_R",
                "xbar_ucl": center + A2_N5 * r_bar,
                "xbar_cl": center,
                "xbar_lcl": center - A2_N5 * r_bar,
                "r_ucl": D4_N5 * r_bar,
                "r_cl": r_bar,
                "r_lcl": 0.0,
                "subgroup_size": 5,
                "num_subgroups": 25,
                "calculated_at": self.stamp(
                    calculated, "spc_control_chart", i, "calculated_at", "django"
                ),
                "is_active": 1,
                "created_at": self.stamp(created, "spc_control_chart", i, "created_at", "django"),
                "updated_at": self.stamp(
                    calculated, "spc_control_chart", i, "updated_at", "django"
                ),
                "inspection_plan_id": plan["id"],
                "product_id": product["id"],
            },
        )

    def measurements(self) -> None:
        """Subgroups of five, plan by plan, each subgroup written by one of three writers."""
        products = {p["id"]: p for p in self.rows["spc_product"]}
        clocks = {p["id"]: p["_created"] + timedelta(days=2) for p in self.active_plans}
        subgroups = dict.fromkeys(clocks, 0)
        table = self.rows["spc_quality_measurement"]
        while len(table) < self.n_measurements:
            plan = self.rng.choice(self.active_plans)
            product = products[plan["product_id"]]
            subgroups[plan["id"]] += 1
            clocks[plan["id"]] += timedelta(hours=INTERVALS[plan["frequency"]])
            writer = self.rng.choices(MEASUREMENT_WRITERS, (70, 25, 5))[0]
            if len(table) < 15:  # the first subgroups: one of each writer, at any size
                writer = MEASUREMENT_WRITERS[len(table) // 5]
            lot = f"L{clocks[plan['id']]:%y%m%d}-{self.rng.randrange(1, 40):03d}"
            for sample in range(1, plan["subgroup_size"] + 1):
                if len(table) == self.n_measurements:
                    break
                at = clocks[plan["id"]] + timedelta(
                    minutes=sample * 2, microseconds=self.rng.randrange(1_000_000)
                )
                self.measurement(product, plan, subgroups[plan["id"]], sample, at, writer, lot)

    def measurement(
        self,
        product: Row,
        plan: Row,
        subgroup: int,
        sample: int,
        at: datetime,
        writer: str,
        lot: str,
    ) -> None:
        kind: Kind = product["_kind"]
        i = self.next_id("spc_quality_measurement")
        sigma = kind.tolerance / 4  # the chart's nominal sigma; the process is a bit wider
        reading = self.rng.gauss(kind.target, kind.tolerance / 3.2)
        if writer == "collector":  # gauge resolution, then the line PC's offset: float noise
            value: object = round(reading, 3) + round(kind.tolerance / 10, 4)
            fmt, created_fmt, created = "raw_utc_offset", "raw_utc_offset", at
        elif writer == "excel":
            value = float(f"{reading:.2f}")
            fmt, created_fmt = "excel_kst", "sqlite_now"
            created = at + timedelta(days=self.rng.randrange(20, 40), seconds=11)
        else:
            value = django_decimal(reading)
            fmt, created_fmt = "django", "django"
            created = at + timedelta(seconds=self.rng.randrange(5, 90), microseconds=4321)
        deviation = abs(float(value) - kind.target)  # type: ignore[arg-type]
        metadata: dict[str, object] = {}
        if writer == "collector":
            metadata = {"source": "collector", "line": f"{self.rng.randrange(1, 4)}라인"}
            metadata["temp_c"] = round(self.rng.uniform(21, 25), 1)
        elif writer == "excel":
            metadata = {"import": f"{at:%Y-%m} 월간 측정.xlsx", "row": self.rng.randrange(2, 900)}
        self.add(
            "spc_quality_measurement",
            {
                "id": i,
                "measurement_value": value,
                "sample_number": sample,
                "subgroup_number": subgroup,
                "measured_at": self.stamp(at, "spc_quality_measurement", i, "measured_at", fmt),
                "machine_id": self.rng.choice(["CMM-01", "MIC-07", "TRQ-02", "SCL-03", ""]),
                "lot_number": lot if self.rng.random() < 0.9 else "",
                "is_within_spec": int(deviation <= kind.tolerance),
                "is_within_control": int(deviation <= 3 * sigma),
                "remarks": self.rng.choice(REMARKS),
                "metadata": json.dumps(metadata),  # Django's JSONField: ensure_ascii escapes
                "created_at": self.stamp(
                    created, "spc_quality_measurement", i, "created_at", created_fmt
                ),
                "inspection_plan_id": plan["id"] if self.rng.random() < 0.99 else None,
                "product_id": product["id"],
                "measured_by": "line-pc-0" + str(self.rng.randrange(1, 4))
                if writer == "collector"
                else self.operator(),
            },
        )

    def sessions_and_admin_log(self) -> None:
        staff = [u for u in self.rows["auth_user"] if u["is_staff"]]
        for _ in range(max(20, self.n_measurements // 100)):
            login = self.when(START + timedelta(days=30), 700)
            key = "".join(self.rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=32))
            body = "".join(
                self.rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop0123_-", k=88)
            )
            signature = "".join(
                self.rng.choices("abcdefghijklmnopqrstuvwxyzABCDEF0123456789", k=43)
            )
            self.add(
                "django_session",
                {
                    "session_key": key,
                    "session_data": f".eJxVj{body}:1r{body[:4]}:{signature}",
                    "expire_date": self.stamp(
                        login + timedelta(days=14), "django_session", key, "expire_date", "django"
                    ),
                },
            )
        for _ in range(max(60, self.n_measurements // 25)):
            content_type = self.rng.choice([7, 8, 10])
            flag = self.rng.choices((1, 2, 3), (30, 65, 5))[0]
            self.admin_log(self.rng.choice(staff)["id"], content_type, flag)

    def admin_log(self, user_id: int, content_type: int, flag: int) -> Row:
        """What ModelAdmin.log_addition/change/deletion write: str(obj) cut at 200."""
        i = self.next_id("django_admin_log")
        table = {7: "spc_product", 8: "spc_inspection_plan", 10: "spc_control_chart"}
        target = self.rng.choice(self.rows[table[content_type]])
        product = self.rows["spc_product"][target.get("product_id", target["id"]) - 1]
        name = {
            7: f"{product['product_code']} - {product['product_name']}",
            8: f"{target.get('plan_name')} - {product['product_code']}",
            10: f"{product['product_code']} - {target.get('chart_type')}",
        }[content_type]
        changed = ["Usl", "Lsl"] if content_type == 7 else ["Frequency", "Is active"]
        message = {1: [{"added": {}}], 2: [{"changed": {"fields": changed}}], 3: None}[flag]
        return self.add(
            "django_admin_log",
            {
                "id": i,
                "object_id": str(target["id"]),
                "object_repr": str(name)[:200],
                "action_flag": flag,
                "change_message": json.dumps(message) if message else "",
                "content_type_id": content_type,
                "user_id": user_id,
                "action_time": self.stamp(
                    self.when(START + timedelta(days=5), 700),
                    "django_admin_log",
                    i,
                    "action_time",
                    "django",
                ),
            },
        )

    # -- dirt ----------------------------------------------------------------------------
    def plant_dirt(self) -> None:
        """Break chosen rows, each from a pool no other dirt touches, and note the reason.

        Products and plans with no measurements carry the odd data (a bad row does not
        take a hundred measurements with it); measurements come from a random pool.
        """
        rows = self.rows
        measured = {m["product_id"] for m in rows["spc_quality_measurement"]}
        # (product 1 keeps its code: the Excel import's duplicate below repeats it)
        unmeasured = [p for p in rows["spc_product"][1:] if p["id"] not in measured]
        drafts = [p for p in rows["spc_inspection_plan"] if not p["is_active"]]
        self.pools: dict[str, list[Row]] = {
            "spc_product": self.rng.sample(unmeasured, len(unmeasured)),
            "spc_inspection_plan": self.rng.sample(drafts, len(drafts)),
            "spc_control_chart": self.rng.sample(rows["spc_control_chart"], 5),
            "spc_quality_measurement": self.rng.sample(rows["spc_quality_measurement"], 40),
        }
        self.plant_measurement_dirt()
        self.plant_product_dirt()
        self.plant_django_dirt()

    def plant(self, table: str, reason: str, detail: str, change: Row) -> Row:
        row = self.pools[table].pop()
        row.update(change)
        self.data.planted.append(Reject(table, row["id"], reason, detail))
        return row

    def plant_measurement_dirt(self) -> None:
        m, plant = "spc_quality_measurement", self.plant
        # A product and a plan deleted with raw SQL (foreign_keys off): children stay.
        gone_product = self.n_products + 1
        gone_plan = len(self.rows["spc_inspection_plan"]) + 1
        for _ in range(3):
            change = {"product_id": gone_product, "inspection_plan_id": None}
            plant(m, "orphan_fk", f"product_id={gone_product}", change)
        plant(m, "orphan_fk", f"inspection_plan_id={gone_plan}", {"inspection_plan_id": gone_plan})
        # What the collector and the import wrote where numbers belong.
        plant(m, "cast_failed", "measurement_value=N/A", {"measurement_value": "N/A"})
        wide = "\uff12\uff18.\uff10\uff15"  # full-width digits from a Korean IME
        plant(m, "cast_failed", f"measurement_value={wide}", {"measurement_value": wide})
        plant(m, "required_null", "measurement_value", {"measurement_value": ""})
        plant(m, "cast_failed", "is_within_spec=Y", {"is_within_spec": "Y"})
        korean_date = "2024. 3. 5. 오후 2:22:10"
        plant(m, "cast_failed", f"measured_at={korean_date}", {"measured_at": korean_date})
        # A multimeter's overload reading, a PLC's unsigned -1, a double-scanned lot barcode.
        plant(m, "out_of_range", "measurement_value", {"measurement_value": 9.9e37})
        plant(m, "out_of_range", "subgroup_number", {"subgroup_number": 4294967295})
        lot = "L240305-017L240305-018L240305-019 (재작업 LOT 병합, 2차 검사 대기)"
        plant(m, "too_long", "lot_number", {"lot_number": lot})
        # measured_by: nullable in the file (0004 never ran), required by the model.
        plant(m, "required_null", "measured_by", {"measured_by": None})
        plant(m, "required_null", "measured_by", {"measured_by": "  "})
        plant(m, "check_failed", "ck_spc_quality_measurement_sample_number", {"sample_number": 0})

    def plant_product_dirt(self) -> None:
        p, plant = "spc_product", self.plant
        plant(p, "check_failed", "ck_spc_product_spec_limits", {"usl": 27.85, "lsl": 28.15})
        plant(p, "cast_failed", "usl=28.15mm", {"usl": "28.15mm"})
        spec = "(규격서 KS R 1234 부속서 B 참조: 두께 편차 및 런아웃 기준)"
        long_name = " ".join(["브레이크 디스크 Ø280", *[spec] * 5])
        plant(p, "too_long", "product_name", {"product_name": long_name})
        plant(
            "spc_inspection_plan",
            "check_failed",
            "ck_spc_inspection_plan_frequency",
            {"frequency": "주간"},  # the choice's label, not its key
        )
        plant(
            "spc_control_chart",
            "check_failed",
            "ck_spc_control_chart_chart_type",
            {"chart_type": "XBAR-R"},
        )
        # The Excel import created a product again, its code with a trailing blank, and
        # loaded four measurements against it (they go with it: parent_rejected).
        code = self.rows[p][0]["product_code"]
        copy = plant(p, "duplicate_key", f"product_code={code}", {"product_code": code + " "})
        imported = SPC_STAMPS["sqlite_now"].render(copy["_created"] + timedelta(days=400))
        copy.update({"created_at": imported, "updated_at": imported})
        for _ in range(4):
            row = self.pools["spc_quality_measurement"].pop()
            row.update({"product_id": copy["id"], "inspection_plan_id": None})

    def plant_django_dirt(self) -> None:
        """A group and a user deleted with the sqlite3 shell: their links stay behind."""
        gone_group, gone_user = len(GROUPS) + 1, self.n_users + 1
        link = self.add(
            "auth_user_groups",
            {"id": self.next_id("auth_user_groups"), "user_id": 2, "group_id": gone_group},
        )
        self.data.planted.append(
            Reject("auth_user_groups", link["id"], "orphan_fk", f"group_id={gone_group}")
        )
        for _ in range(2):
            log = self.admin_log(gone_user, 7, 2)
            self.data.planted.append(
                Reject("django_admin_log", log["id"], "orphan_fk", f"user_id={gone_user}")
            )

    def sequences(self) -> dict[str, int]:
        """AUTOINCREMENT high-water marks: deleted rows leave them above max(id)."""
        seq = {t: len(self.rows[t]) for t in TABLE_ORDER if MODEL[t].id_type and self.rows[t]}
        seq["auth_group"] = len(GROUPS) + 1
        seq["auth_user"] = self.n_users + 1
        seq["spc_product"] = self.n_products + 1
        seq["spc_inspection_plan"] += 1
        seq["spc_quality_measurement"] += 12  # a cleanup deleted the newest test entries
        return seq


def schema_sql() -> list[str]:
    return [statement for model in MODELS for statement in model.ddl()]


def write_database(path: Path, data: Dataset) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".partial")
    scratch.unlink(missing_ok=True)
    conn = sqlite3.connect(scratch)
    try:
        for statement in schema_sql():
            conn.execute(statement)
        for model in MODELS:
            insert_rows(conn, model.table, model.columns, data.rows[model.table], quote_table=True)
        for name, seq in data.sqlite_sequence.items():
            conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (seq, name))
        conn.commit()
    finally:
        conn.close()
    scratch.replace(path)


def write_manifest(path: Path, system: str, size: dict[str, int], seed: int, data: Dataset) -> Path:
    """The manifest every sample writes beside its database (same shape as Cold Chain's)."""
    manifest = path.with_suffix(".manifest.json")
    counts = {table: len(table_rows) for table, table_rows in data.rows.items()}
    manifest.write_text(
        json.dumps(
            {
                "system": system,
                "seed": seed,
                **size,
                "row_counts": counts,
                "sqlite_sequence": data.sqlite_sequence,
                "expected_rejects": [r.as_dict() for r in data.rejects],
                "timestamp_samples": data.stamp_samples,
                "contract": {c.table: c.describe() for c in data.contracts},
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    return manifest


def generate(
    path: Path, *, measurements: int = DEFAULT_MEASUREMENTS, seed: int = 4
) -> SampleResult:
    if measurements >= PROGRESS_FROM:
        print(
            f"generating the SPC sample: {measurements:,} measurements (seed {seed})",
            file=sys.stderr,
        )
    data = SpcGenerator(measurements, seed).build()
    write_database(path, data)
    manifest = write_manifest(path, "spc", {"measurements": measurements}, seed, data)
    counts = {table: len(data.rows[table]) for table in TABLE_ORDER}
    return SampleResult(
        database=path, manifest=manifest, row_counts=counts, planted_rejects=len(data.rejects)
    )
