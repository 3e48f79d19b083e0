"""Deterministic sample legacy databases, one module per reference system."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from cutover.errors import CutoverError
from cutover.settings import project_root


@dataclass(frozen=True)
class SampleResult:
    database: Path
    manifest: Path
    row_counts: dict[str, int]
    planted_rejects: int

    def describe(self) -> str:
        total = sum(self.row_counts.values())
        tables = ", ".join(f"{name} {count:,}" for name, count in self.row_counts.items())
        return (
            f"wrote {self.database} ({total:,} rows: {tables}); "
            f"{self.planted_rejects} rows planted to be rejected; manifest {self.manifest}"
        )


PROGRESS_FROM = 100_000  # print progress for tables this big
BATCH = 20_000


def batches(items: Iterable[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(
    conn: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    quote_table: bool = False,
) -> None:
    """INSERT every row of one sample table, in batches, with progress for big tables."""
    if len(rows) >= PROGRESS_FROM:
        print(f"  writing {table}: {len(rows):,} rows", file=sys.stderr)
    name = f'"{table}"' if quote_table else table
    statement = (
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    )
    values = (tuple(row[c] for c in columns) for row in rows)
    for batch in batches(values, BATCH):
        conn.executemany(statement, batch)


def default_sample_path(system: str) -> Path:
    return project_root() / ".data" / "samples" / f"{system}.sqlite"


def generate_sample(
    system: str, *, rows: int | None = None, output: str | Path | None = None, seed: int = 4
) -> SampleResult:
    target = Path(output) if output else default_sample_path(system)
    if system == "coldchain":
        from cutover.samples import coldchain

        return coldchain.generate(target, orders=rows or coldchain.DEFAULT_ORDERS, seed=seed)
    if system == "spc":
        from cutover.samples import spc

        return spc.generate(target, measurements=rows or spc.DEFAULT_MEASUREMENTS, seed=seed)
    if system == "lawfirm":
        from cutover.samples import lawfirm

        return lawfirm.generate(target, messages=rows or lawfirm.DEFAULT_MESSAGES, seed=seed)
    if system == "routing":
        from cutover.samples import routing

        target = Path(output) if output else target.with_name(routing.FILE_NAME)
        return routing.generate(target, items=rows or routing.DEFAULT_ITEMS, seed=seed)
    if system == "ecoanp":
        from cutover.samples import ecoanp
        from cutover.settings import TargetSettings

        # A PostgreSQL database on the target's server, not a file: `output` names it.
        return ecoanp.generate(
            TargetSettings.from_environment(),
            str(output) if output else ecoanp.DEFAULT_DATABASE,
            readings=rows or ecoanp.DEFAULT_READINGS,
            seed=seed,
        )
    raise CutoverError(f"no sample generator for system {system!r}")
