"""The benchmark's SQLite source: a narrow table and a wide one, N rows each, deterministic
(the same N gives the same file), written fast (one transaction, executemany)."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

BATCH = 50_000
TABLES = ("narrow", "wide")
#: The pseudo-table of a migration's usual shape: every table in one run (one Meltano
#: start, one pgloader start), rows counted over all of them.
BOTH = "both"

SCHEMA = """
CREATE TABLE narrow (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    quantity INTEGER NOT NULL
);
CREATE TABLE wide (
    id INTEGER PRIMARY KEY,
    customer TEXT NOT NULL,
    description TEXT,
    amount NUMERIC(12, 2) NOT NULL,
    rate REAL,
    created_at TIMESTAMP NOT NULL,
    shipped_on DATE,
    is_active BOOLEAN NOT NULL,
    payload BLOB,
    notes TEXT
);
"""

_WORDS = (
    "cold",
    "chain",
    "pallet",
    "route",
    "depot",
    "invoice",
    "sensor",
    "reading",
    "batch",
    "carrier",
    "order",
    "client",
    "warehouse",
    "temperature",
    "humidity",
    "delivery",
    "return",
    "label",
    "scan",
    "dock",
)


def _narrow(rows: int, seed: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed)
    for i in range(1, rows + 1):
        yield (i, rng.randrange(1, 50_000), f"C{rng.randrange(10**6):06d}", rng.randrange(1000))


def _wide(rows: int, seed: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed + 1)
    start = dt.datetime(2020, 1, 1)
    for i in range(1, rows + 1):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(8, 30)))
        created = start + dt.timedelta(seconds=rng.randrange(0, 5 * 365 * 86400))
        yield (
            i,
            f"Customer {rng.randrange(100_000):05d} 주식회사",
            words,
            f"{rng.randrange(0, 10**8) / 100:.2f}",
            rng.random() * 100 if rng.random() > 0.1 else None,
            created.strftime("%Y-%m-%d %H:%M:%S"),
            (created + dt.timedelta(days=rng.randrange(0, 30))).date().isoformat(),
            rng.random() > 0.3,
            rng.randbytes(rng.randrange(16, 96)) if rng.random() > 0.2 else None,
            None if rng.random() > 0.5 else words[: rng.randrange(1, len(words) + 1)],
        )


#: A complete file is stamped (PRAGMA user_version = rows, application_id = seed and the
#: generator's version) so a rerun reuses it: 10,000,000 rows take minutes to write.
GENERATOR_VERSION = 1


def _stamp(rows: int, seed: int) -> tuple[int, int]:
    return rows, seed * 1_000 + GENERATOR_VERSION


def is_complete(path: Path, rows: int, seed: int) -> bool:
    if not path.is_file():
        return False
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = (
            int(conn.execute("PRAGMA user_version").fetchone()[0]),
            int(conn.execute("PRAGMA application_id").fetchone()[0]),
        )
        return found == _stamp(rows, seed)
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def generate(path: Path, rows: int, seed: int = 7) -> Path:
    """Write `path` with `rows` rows in each table, unless a complete one is there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if is_complete(path, rows, seed):
        print(f"  source: {path.name} already generated ({rows:,} rows per table)", file=sys.stderr)
        return path
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
        for table, generator, width in (("narrow", _narrow, 4), ("wide", _wide, 10)):
            marks = ", ".join("?" for _ in range(width))
            batch: list[tuple[object, ...]] = []
            for row in generator(rows, seed):
                batch.append(row)
                if len(batch) == BATCH:
                    conn.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
                    batch.clear()
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
            print(f"  source: {table} {rows:,} rows", file=sys.stderr)
        user_version, application_id = _stamp(rows, seed)
        conn.execute(f"PRAGMA user_version = {user_version}")
        conn.execute(f"PRAGMA application_id = {application_id}")
        conn.commit()
    finally:
        conn.close()
    return path
