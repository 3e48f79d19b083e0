"""`cutover bench`: generate the source, run every method on every table, print the figures
and the ratios, and write them with the machine's description to a results file."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

import psycopg

from cutover.bench.runners import (
    Result,
    export_csv,
    pgloader_command,
    run_copy,
    run_ours,
    run_pgloader,
    tables_of,
)
from cutover.bench.source import generate
from cutover.errors import CutoverError
from cutover.settings import TargetSettings, project_root

METHODS = {"ours": run_ours, "pgloader": run_pgloader, "copy": run_copy}


def _mib(size: float) -> str:
    return f"{size / 2**20:,.0f} MiB"


def machine(server: TargetSettings) -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    with psycopg.connect(server.conninfo("postgres")) as conn:
        version = conn.execute("show server_version").fetchone()[0]  # type: ignore[index]
    try:
        pgloader = subprocess.run(
            [pgloader_command(), "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()[0]
    except Exception as error:
        pgloader = f"pgloader not available ({error})"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {_mib(memory)}",
        f"- {platform.platform()}, Python {platform.python_version()}",
        f"- PostgreSQL {version} at {server.host}:{server.port} (same machine)",
        f"- {pgloader}",
    ]


START_ROWS = 1_000


def render_start(results: list[Result], start: dict[str, float]) -> list[str]:
    """Each method's fixed cost, and its rate once started: rows / (seconds - start)."""
    if not start:
        return []
    lines = [
        "",
        f"Start cost: the same command on a {START_ROWS:,}-row narrow table: "
        + ", ".join(f"{method} {seconds:.1f} s" for method, seconds in start.items())
        + ". Rate once started, rows / (seconds - start cost):",
        "",
    ]
    for table in dict.fromkeys(r.table for r in results):
        by = {
            r.method: r.rows / max(r.measured.seconds - start[r.method], 1e-3)
            for r in results
            if r.table == table and r.method in start
        }
        if "ours" not in by:
            continue
        parts = [f"{method} {rate:,.0f} rows/s" for method, rate in by.items()]
        parts += [f"ours/{other} = {by['ours'] / by[other]:.2f}" for other in by if other != "ours"]
        lines.append(f"- {table}: " + ", ".join(parts))
    return lines


def measure_start(server: TargetSettings, work: Path, methods: list[str]) -> dict[str, float]:
    source = generate(work / f"bench_{START_ROWS}.sqlite", START_ROWS)
    export_csv(source, "narrow")
    start: dict[str, float] = {}
    for method in methods:
        result = METHODS[method](server, source, "narrow", START_ROWS)
        start[method] = result.measured.seconds
        print(f"==> start cost of {method}: {start[method]:.1f} s ({START_ROWS:,} rows)")
    return start


def render(results: list[Result], csv_sizes: dict[str, int]) -> list[str]:
    lines = [
        "| table | method | rows | seconds | rows/s | MB/s | peak RSS (all processes) "
        "| peak RSS (largest process) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        m = r.measured
        lines.append(
            f"| {r.table} | {r.method} | {r.rows:,} | {m.seconds:.1f} | "
            f"{r.rows_per_second:,.0f} | {csv_sizes[r.table] / 2**20 / m.seconds:.1f} | "
            f"{_mib(m.peak_tree_bytes)} | {_mib(m.peak_process_bytes)} |"
        )
    lines.append("")
    for table in dict.fromkeys(r.table for r in results):
        by = {r.method: r for r in results if r.table == table}
        if "ours" not in by:
            continue
        ours = by["ours"].rows_per_second
        ratios = [
            f"ours/{other} = {ours / by[other].rows_per_second:.2f}"
            for other in ("pgloader", "copy")
            if other in by
        ]
        lines.append(f"- {table}: " + ", ".join(ratios))
    return lines


def run_bench(rows: int, tables: list[str], methods: list[str], results_file: Path) -> int:
    server = TargetSettings.from_environment()
    work = project_root() / ".data" / "bench"
    start = measure_start(server, work, methods) if rows > START_ROWS else {}
    source = generate(work / f"bench_{rows}.sqlite", rows)
    results: list[Result] = []
    csv_sizes: dict[str, int] = {}
    exported: dict[str, int] = {}
    failures: list[str] = []
    for table in tables:
        for name in tables_of(table):  # this run's rows, as CSV (not timed)
            if name not in exported:
                exported[name] = export_csv(source, name).stat().st_size
        csv_sizes[table] = sum(exported[name] for name in tables_of(table))
        for method in methods:
            print(f"==> {table}: {method} ({rows * len(tables_of(table)):,} rows)", flush=True)
            try:
                result = METHODS[method](server, source, table, rows)
            except CutoverError as error:
                if method == "ours":
                    raise
                failures.append(f"- {table}, {method}: failed, not measured: {error}"[:600])
                print(failures[-1], flush=True)
                continue
            print(
                f"    {result.measured.seconds:.1f} s, {result.rows_per_second:,.0f} rows/s, "
                f"peak RSS {_mib(result.measured.peak_tree_bytes)}",
                flush=True,
            )
            results.append(result)
    notes = [f"- {r.table}, {r.method}: {r.note}" for r in results if r.note]
    table_lines = render(results, csv_sizes) + render_start(results, start)
    if notes or failures:
        table_lines += ["", "Notes:", *notes, *failures]
    print("\n".join(table_lines))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = [
        f"## {rows:,} rows per table ({stamp})",
        "",
        "MB/s is the table's CSV size over the time (the same bytes for every method).",
        "",
        *table_lines,
        "",
        "Machine:",
        *machine(server),
        "",
    ]
    _write_section(results_file, rows, section)
    summary = scaling(results_file)
    if summary:
        print("\n".join(summary))
    print(f"\nresults: {results_file}")
    return 0


def _ours_rows(path: Path) -> dict[int, dict[str, tuple[float, str]]]:
    """Per row count and table: our rows/s and peak RSS, read back from the results file."""
    found: dict[int, dict[str, tuple[float, str]]] = {}
    current = 0
    for line in path.read_text().splitlines():
        if line.startswith("## Scaling"):
            current = 0
        elif line.startswith("## ") and " rows per table" in line:
            current = int(line[3:].split(" ", 1)[0].replace(",", ""))
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if current and len(cells) == 8 and cells[1] == "ours":
            found.setdefault(current, {})[cells[0]] = (float(cells[4].replace(",", "")), cells[6])
    return found


def scaling(path: Path) -> list[str]:
    """Our EL step at the smallest and largest row counts measured: time and memory."""
    if not path.is_file():
        return []
    ours = _ours_rows(path)
    if len(ours) < 2:
        return []
    small, large = min(ours), max(ours)
    lines = [
        f"## Scaling of our EL step: {small:,} to {large:,} rows per table",
        "",
        f"| table | rows/s at {small:,} | rows/s at {large:,} | time x{large / small:g} rows "
        f"| rows/s from {small:,} to {large:,} | peak RSS at {small:,} | peak RSS at {large:,} |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for table in ours[small]:
        if table not in ours[large]:
            continue
        (rate_s, rss_s), (rate_l, rss_l) = ours[small][table], ours[large][table]
        per_table = {"both": 2}.get(table, 1)
        seconds_s, seconds_l = per_table * small / rate_s, per_table * large / rate_l
        between = per_table * (large - small) / max(seconds_l - seconds_s, 1e-9)
        lines.append(
            f"| {table} | {rate_s:,.0f} | {rate_l:,.0f} | x{seconds_l / seconds_s:.1f} | "
            f"{between:,.0f} | {rss_s} | {rss_l} |"
        )
    lines += [
        "",
        "Linear time: past the start cost, the extra rows go at a steady rate (the rate",
        "between the two row counts is the larger run's rate once started); peak RSS does not",
        "grow with the rows.",
    ]
    return lines


def _write_section(path: Path, rows: int, section: list[str]) -> None:
    """Keep one section per row count (the latest run of it), in row-count order."""
    header = [
        "# Throughput: our EL step against pgloader and COPY",
        "",
        'Written by `make bench` (`cutover bench`); see the README, "Throughput".',
        "",
    ]
    sections: dict[int, list[str]] = {}
    if path.is_file():
        current: int | None = None
        for line in path.read_text().splitlines():
            if line.startswith("## Scaling"):
                current = None  # rewritten from the sections below
            elif line.startswith("## ") and " rows per table" in line:
                current = int(line[3:].split(" ", 1)[0].replace(",", ""))
                sections[current] = []
            if current is not None:
                sections[current].append(line)
    sections[rows] = section
    body = []
    for key in sorted(sections):
        lines = list(sections[key])
        while lines and not lines[-1].strip():
            lines.pop()
        body += [*lines, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([*header, *body]).rstrip() + "\n")
    summary = scaling(path)
    if summary:
        path.write_text("\n".join([*header, *body, *summary]).rstrip() + "\n")
