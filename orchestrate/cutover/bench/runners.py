"""The three ways the benchmark loads one SQLite table into PostgreSQL.

* ours: `meltano run tap-sqlite--bench target-postgres`, the project's EL step exactly as
  configured (the tap's and loader's settings of extract/*.meltano.yml);
* pgloader: the Debian package, SQLite → PostgreSQL with its defaults (COPY, 4 workers);
* copy: the ceiling, `COPY ... FROM STDIN (FORMAT csv)` of the same rows from a file.

Each loads into a database of its own on the same server, dropped and created first, and
each load is checked: the table must hold exactly the source's rows.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from cutover.bench.measure import Measured, run_measured
from cutover.bench.source import BOTH, TABLES
from cutover.errors import CutoverError
from cutover.settings import TargetSettings, project_root

# The PostgreSQL types of the ceiling's tables (what a careful hand-written load would use).
COPY_TABLES = {
    "narrow": "id bigint primary key, account_id bigint not null, code text not null, "
    "quantity bigint not null",
    "wide": "id bigint primary key, customer text not null, description text, "
    "amount numeric(12,2) not null, rate double precision, created_at timestamp not null, "
    "shipped_on date, is_active boolean not null, payload bytea, notes text",
}


@dataclass(frozen=True)
class Result:
    method: str
    table: str
    rows: int
    measured: Measured
    note: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.measured.seconds


def fresh_database(server: TargetSettings, name: str) -> TargetSettings:
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return server.with_database(name)


def count_rows(target: TargetSettings, schema: str, table: str) -> int:
    with psycopg.connect(target.conninfo()) as conn:
        row = conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier(schema, table))
        ).fetchone()
    return int(row[0]) if row else 0


def tables_of(table: str) -> list[str]:
    return list(TABLES) if table == BOTH else [table]


def _checked(result: Result, target: TargetSettings, schema: str) -> Result:
    if result.measured.returncode != 0:
        raise CutoverError(
            f"bench: {result.method} failed on {result.table} "
            f"(exit {result.measured.returncode}):\n{result.measured.output[-3000:]}"
        )
    per_table = result.rows // len(tables_of(result.table))
    for table in tables_of(result.table):
        loaded = count_rows(target, schema, table)
        if loaded != per_table:
            raise CutoverError(
                f"bench: {result.method} loaded {loaded:,} rows of {table}, "
                f"the source has {per_table:,}"
            )
    return result


def forget_profiles() -> None:
    """Drop tap-sqlite's kept profile scans, so each measured run scans its table once, as a
    first run on a file does (the tap reuses a scan made by the discovery just before it)."""
    shutil.rmtree(Path(tempfile.gettempdir()) / "tap-sqlite-profiles", ignore_errors=True)


def run_ours(server: TargetSettings, source: Path, table: str, rows: int) -> Result:
    target = fresh_database(server, "bench_ours")
    forget_profiles()
    root = project_root()
    env = {
        **os.environ,
        **target.environment(),
        "TAP_SQLITE__BENCH_DATABASE": str(source),
        "TAP_SQLITE__BENCH_TABLES": json.dumps(tables_of(table)),
        "MELTANO_DATABASE_URI": f"sqlite:///{source.parent / 'meltano-bench.db'}",
    }
    meltano = str(Path(sys.executable).parent / "meltano")
    command = [meltano, "run", "--full-refresh", "tap-sqlite--bench", "target-postgres"]
    measured = run_measured(command, env, root)
    total = rows * len(tables_of(table))
    return _checked(Result("ours", table, total, measured), target, "raw_bench")


def pgloader_command() -> str:
    found = shutil.which("pgloader")
    if found:
        return found
    print("  pgloader not found: installing Debian's package (apt-get install pgloader)")
    done = subprocess.run(
        ["apt-get", "install", "-y", "-q", "pgloader"], capture_output=True, text=True, check=False
    )
    found = shutil.which("pgloader")
    if done.returncode != 0 or not found:
        raise CutoverError(
            "bench: pgloader is needed for the comparison: `sudo apt-get install pgloader` "
            f"(apt said: {(done.stderr or done.stdout).strip()[-300:]})"
        )
    return found


#: SBCL's default heap in Debian's pgloader is 1 GiB; it runs out on the wide table at
#: 10,000,000 rows ("Heap exhausted, game over"). Such a run is measured again with this.
PGLOADER_RETRY_HEAP_MB = 4096


def run_pgloader(server: TargetSettings, source: Path, table: str, rows: int) -> Result:
    script = source.parent / f"pgloader-{table}.load"
    note = ""
    for options in ([], ["--dynamic-space-size", str(PGLOADER_RETRY_HEAP_MB)]):
        target = fresh_database(server, "bench_pgloader")
        script.write_text(
            f"LOAD DATABASE\n  FROM sqlite://{source}\n"
            f"  INTO postgresql://{target.user}@{target.host}:{target.port}/{target.database}\n"
            "  WITH include drop, create tables, create indexes, reset sequences\n"
            "  INCLUDING ONLY TABLE NAMES LIKE "
            + ", ".join(f"'{name}'" for name in tables_of(table))
            + ";\n"
        )
        env = {**os.environ, "PGPASSWORD": target.password}
        command = [pgloader_command(), *options, str(script)]
        measured = run_measured(command, env, source.parent)
        if options or measured.returncode == 0 or "Heap exhausted" not in measured.output:
            break
        note = (
            f"pgloader ran out of its default 1 GiB heap after {measured.seconds:.0f} s "
            f"(Heap exhausted); measured again with --dynamic-space-size "
            f"{PGLOADER_RETRY_HEAP_MB}"
        )
        print(f"    {note}", flush=True)
    total = rows * len(tables_of(table))
    return _checked(Result("pgloader", table, total, measured, note), target, "public")


def export_csv(source: Path, table: str) -> Path:
    """The table's rows as CSV (not timed): blobs as PostgreSQL's `\\x` hex, booleans as
    t/f, NULL as an empty unquoted field."""
    path = source.parent / f"{table}.csv"
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY id"):
                writer.writerow(
                    [
                        "\\x" + value.hex()
                        if isinstance(value, bytes)
                        else ("" if value is None else value)
                        for value in row
                    ]
                )
    finally:
        conn.close()
    return path


def run_copy(server: TargetSettings, source: Path, table: str, rows: int) -> Result:
    target = fresh_database(server, "bench_copy")
    command = [sys.executable, "-m", "cutover.bench.copy_file", target.conninfo()]
    for name in tables_of(table):
        path = source.parent / f"{name}.csv"
        if not path.is_file():
            export_csv(source, name)
        with psycopg.connect(target.conninfo(), autocommit=True) as conn:
            conn.execute(f"create table {name} ({COPY_TABLES[name]})")
        command += [name, str(path)]
    measured = run_measured(command, dict(os.environ), source.parent)
    total = rows * len(tables_of(table))
    return _checked(Result("copy", table, total, measured), target, "public")
