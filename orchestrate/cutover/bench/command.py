"""`cutover bench`'s command line (the measuring code is imported only when it runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cutover.bench.source import BOTH, TABLES
from cutover.settings import project_root

METHOD_NAMES = ("ours", "pgloader", "copy")


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    bench = commands.add_parser(
        "bench", help="measure our EL step against pgloader and COPY (not part of the tests)"
    )
    bench.add_argument("--rows", type=int, default=1_000_000, help="rows per table")
    bench.add_argument(
        "--tables",
        nargs="+",
        choices=[*TABLES, BOTH],
        default=[*TABLES, BOTH],
        help=f"'{BOTH}': every table in one run, a migration's usual shape",
    )
    bench.add_argument("--methods", nargs="+", choices=METHOD_NAMES, default=list(METHOD_NAMES))
    bench.add_argument(
        "--results", default=None, help="the results file (docs/benchmarks/throughput.md)"
    )
    bench.set_defaults(handler=_run)


def _run(a: argparse.Namespace) -> int:
    from cutover.bench.report import run_bench  # psutil and the runners: only when benching

    return int(
        run_bench(
            a.rows,
            a.tables,
            a.methods,
            Path(a.results) if a.results else project_root() / "docs/benchmarks/throughput.md",
        )
    )
