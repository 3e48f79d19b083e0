"""`cutover capture <system>`: fingerprint every source row into the target's audit schema.

The source is read again here, independently of the tap, so a row the tap or the loader
lost or altered shows up in the comparison. Per row: its key (the source primary key), the
hash of its canonical values for the columns its final table has (typed form) and the hash
of all its values as the raw schema holds them (raw form); see normalise.py.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg

from cutover.errors import CutoverError
from cutover.gx.contracts import SystemContracts
from cutover.proof.audit_store import ensure_audit_schema
from cutover.proof.fingerprint_sql import FingerprintPlan, plan_for
from cutover.proof.normalise import key_text, raw_value, row_hash, typed_value
from cutover.settings import TargetSettings
from cutover.sources.base import SourceReader, SourceTable, schema_to_dict
from cutover.sources.sqlite import ROWID_COLUMN as ROWID

log = logging.getLogger(__name__)
_PROGRESS_EVERY = 500_000


@dataclass(frozen=True)
class CapturedTable:
    table: str
    rows: int
    seconds: float
    key: tuple[str, ...]
    compared_columns: int
    excluded: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        text = (
            f"{self.table}: {self.rows:,} rows fingerprinted in {self.seconds:.2f} s "
            f"(key {', '.join(self.key)}; {self.compared_columns} columns compared"
        )
        if self.excluded:
            text += "; not compared: " + ", ".join(f"{c} ({why})" for c, why in self.excluded)
        return text + ")"


def capture(
    target: TargetSettings, contracts: SystemContracts, reader: SourceReader
) -> list[CapturedTable]:
    schema = reader.schema()
    plans = [plan_for(table) for table in contracts.tables]
    results = []
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        ensure_audit_schema(conn)
        conn.commit()
        _check_same_source(conn, contracts, reader)
        conn.execute(
            "insert into cutover_audit.source_inventory (system, source, inventory) "
            "values (%s, %s, %s) on conflict (system) do update set source = excluded.source, "
            "inventory = excluded.inventory, captured_at = now()",
            (contracts.system, reader.description, json.dumps(_inventory(contracts, reader))),
        )
        for plan in plans:
            try:
                source_table = schema.table(plan.table.source_table)
            except KeyError:
                raise CutoverError(
                    f"{contracts.system}: final table {plan.table.table} has no source table "
                    f"{plan.table.source_table} in {reader.description}"
                ) from None
            results.append(_capture_table(conn, contracts.system, plan, source_table, reader))
            conn.commit()
            log.info("%s", results[-1].describe())
    return results


def _inventory(contracts: SystemContracts, reader: SourceReader) -> dict[str, object]:
    """The source's tables and, for a PostgreSQL source, its non-row objects too."""
    inventory = schema_to_dict(reader.schema())
    if reader.kind == "postgres":
        from cutover.objects.gate_checks import objects_inventory

        inventory.update(objects_inventory(contracts, reader))
    return inventory


def _check_same_source(
    conn: psycopg.Connection, contracts: SystemContracts, reader: SourceReader
) -> None:
    """Refuse to fingerprint a different file than the one the tap extracted. (A server
    source's audit may have no path or size: then only the extraction is required.)"""
    audit = contracts.source_audit
    has = {
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s",
            (audit.schema, audit.name),
        )
    }
    path_sql = "source_path" if "source_path" in has else "null::text"
    size_sql = "source_size_bytes" if "source_size_bytes" in has else "null::bigint"
    row = conn.execute(
        f"select {path_sql}, {size_sql} from {audit.sql} where _sdc_deleted_at is null "
        + ("and source_path is not null " if "source_path" in has else "")
        + "limit 1"
    ).fetchone()
    if row is None:
        raise CutoverError(
            f"{contracts.system}: no extraction recorded in {contracts.source_audit.sql}: "
            "run the EL step first"
        )
    path, size = row
    if size is not None and reader.size_bytes is not None and int(size) != reader.size_bytes:
        raise CutoverError(
            f"{contracts.system}: the source changed since extraction ({path} was "
            f"{int(size):,} bytes, {reader.description} is {reader.size_bytes:,}): "
            "extract again before capturing"
        )


def _capture_table(
    conn: psycopg.Connection,
    system: str,
    plan: FingerprintPlan,
    source: SourceTable,
    reader: SourceReader,
) -> CapturedTable:
    started = time.perf_counter()
    # A table without a primary key is keyed by its rowid, as the tap keys it.
    key = source.primary_key or (ROWID,)
    by_rowid = not source.primary_key
    final_key = tuple(plan.table.source_column(c) for c in plan.key)
    if key != final_key:
        raise CutoverError(
            f"{system}.{source.name}: source primary key ({', '.join(key)}) differs from the "
            f"final table's ({', '.join(plan.key) or 'none'})"
        )
    source_columns = [c.name for c in source.columns]
    readable = [*source_columns, ROWID] if by_rowid else source_columns
    missing = [r.name for r in plan.rules if plan.table.source_column(r.name) not in readable]
    if missing:
        raise CutoverError(
            f"{system}.{source.name}: final column(s) {', '.join(missing)} do not exist in the "
            "source; mark them `meta: {fingerprint: exclude}` in the model's yml if derived"
        )
    raw_columns = sorted(source_columns, key=str.encode)
    read = list(dict.fromkeys([*key, *raw_columns]))
    if by_rowid:  # iter_rows puts the rowid first when asked
        read = [ROWID, *[c for c in read if c != ROWID]]
    position = {name: i for i, name in enumerate(read)}
    key_at = [position[c] for c in key]
    raw_at = [position[c] for c in raw_columns]
    typed_at = [(position[plan.table.source_column(r.name)], r) for r in plan.rules]

    def fingerprint(row: tuple) -> tuple[str, str, str]:
        return (
            key_text([row[i] for i in key_at]),
            str(row_hash([typed_value(row[i], rule) for i, rule in typed_at])),
            str(row_hash([raw_value(row[i]) for i in raw_at])),
        )

    conn.execute(
        "delete from cutover_audit.source_rows where system = %s and table_name = %s",
        (system, source.name),
    )
    rows_in = (
        reader.iter_rows(source.name, read[1:], with_rowid=True)
        if by_rowid
        else reader.iter_rows(source.name, read)
    )
    fingerprints = map(fingerprint, rows_in)
    rows = _copy_rows(conn, system, source.name, fingerprints)
    seconds = time.perf_counter() - started
    conn.execute(
        "insert into cutover_audit.source_tables (system, table_name, row_count, key_columns, "
        "typed_columns, raw_columns, excluded, source, duration_s) "
        "values (%s, %s, %s, %s, %s, %s, %s, %s, %s) on conflict (system, table_name) do update "
        "set row_count = excluded.row_count, key_columns = excluded.key_columns, "
        "typed_columns = excluded.typed_columns, raw_columns = excluded.raw_columns, "
        "excluded = excluded.excluded, source = excluded.source, "
        "captured_at = now(), duration_s = excluded.duration_s",
        (
            system,
            source.name,
            rows,
            list(key),
            json.dumps([r.__dict__ for r in plan.rules]),
            raw_columns,
            json.dumps(dict(plan.excluded)),
            reader.description,
            seconds,
        ),
    )
    return CapturedTable(source.name, rows, seconds, key, len(plan.rules), plan.excluded)


def _copy_rows(
    conn: psycopg.Connection,
    system: str,
    table: str,
    fingerprints: Iterator[tuple[str, str, str]],
) -> int:
    count = 0
    with conn.cursor().copy(
        "copy cutover_audit.source_rows (system, table_name, row_key, typed_hash, raw_hash) "
        "from stdin"
    ) as copy:
        for key, typed, raw in fingerprints:
            copy.write_row((system, table, key, typed, raw))
            count += 1
            if count % _PROGRESS_EVERY == 0:
                log.info("%s: %s rows fingerprinted", table, f"{count:,}")
    twice = conn.execute(
        "select row_key from cutover_audit.source_rows where system = %s and table_name = %s "
        "group by row_key having count(*) > 1 limit 5",
        (system, table),
    ).fetchall()
    if twice:
        raise CutoverError(
            f"{system}.{table}: key(s) {', '.join(repr(k) for (k,) in twice)} appear more than "
            "once in the source (SQLite lets a non-integer PRIMARY KEY hold NULLs and, "
            "without NOT NULL, duplicates of them): rows cannot be proven one by one"
        )
    return count
