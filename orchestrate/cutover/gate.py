"""`cutover gate <system>`: every validation, one verdict.

1. the source capture exists and is newer than the last extraction;
2. object parity (source inventory captured with the fingerprints vs the target catalog);
3. sequences: past max(id), proven by a rolled-back test insert;
4. GX: counts, row fingerprints (final + rejects vs source, raw vs source), columns, FKs,
   NOT NULLs, unique keys, and the problems of 2 and 3 (so Data Docs show them too).

The verdict, the candidate tables' identities (OIDs) and every problem are recorded in
cutover_audit.gate_runs: `cutover switch` only switches the exact tables a passing gate saw.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from dataclasses import dataclass, field

import psycopg

from cutover.errors import CutoverError
from cutover.gx.contracts import SystemContracts
from cutover.proof.audit_store import ensure_audit_schema
from cutover.proof.parity import Explanations, KindParity, compare
from cutover.proof.sequences import SequenceCheck, check_sequences
from cutover.proof.target_catalog import read_schema
from cutover.settings import TargetSettings, project_root
from cutover.sources.base import schema_from_dict

log = logging.getLogger(__name__)


@dataclass
class GateReport:
    system: str
    run_id: uuid.UUID
    candidate_schema: str
    problems: list[str] = field(default_factory=list)
    parity: list[KindParity] = field(default_factory=list)
    sequences: list[SequenceCheck] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)  # lines about a PG source's objects
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems


def candidate_schema(contracts: SystemContracts) -> str:
    schemas = {t.relation.schema for t in contracts.tables}
    if len(schemas) != 1:
        raise CutoverError(f"{contracts.system}: final tables span schemas {sorted(schemas)}")
    return schemas.pop()


def candidate_tables(conn: psycopg.Connection, schema: str) -> dict[str, int]:
    """Table name -> OID: a rebuilt table gets a new OID, so a stale gate is detected."""
    rows = conn.execute(
        "select c.relname, c.oid::bigint from pg_class c join pg_namespace n "
        "on n.oid = c.relnamespace where n.nspname = %s and c.relkind in ('r', 'p') "
        "order by 1",
        (schema,),
    ).fetchall()
    return {name: int(oid) for name, oid in rows}


def check_capture(conn: psycopg.Connection, contracts: SystemContracts) -> list[str]:
    problems = []
    captured = dict(
        conn.execute(
            "select table_name, captured_at from cutover_audit.source_tables where system = %s",
            (contracts.system,),
        ).fetchall()
    )
    extracted = conn.execute(
        f"select max(finished_at) from {contracts.source_audit.sql} where _sdc_deleted_at is null"
    ).fetchone()
    last_extraction = extracted[0] if extracted else None
    for table in contracts.tables:
        at = captured.get(table.source_table)
        if at is None:
            problems.append(
                f"capture: {table.table}: no source fingerprints: run `cutover capture "
                f"{contracts.system}` after the EL step"
            )
        elif last_extraction is not None and at < _aware(last_extraction):
            problems.append(
                f"capture: {table.table}: fingerprints ({at:%Y-%m-%d %H:%M:%S}) are older than "
                f"the last extraction ({last_extraction}): run `cutover capture {contracts.system}`"
            )
    return problems


def _aware(value: object) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def object_parity(
    conn: psycopg.Connection,
    contracts: SystemContracts,
    schema: str,
    report: GateReport | None = None,
) -> list[KindParity]:
    row = conn.execute(
        "select inventory from cutover_audit.source_inventory where system = %s",
        (contracts.system,),
    ).fetchone()
    if row is None:
        raise CutoverError(
            f"{contracts.system}: no source inventory: run `cutover capture {contracts.system}`"
        )
    source = schema_from_dict(row[0])
    target = read_schema(conn, schema)
    explanations = Explanations.load(
        project_root() / "expectations" / "parity" / f"{contracts.system}.yml"
    )
    parity = compare(source, target, contracts, explanations)
    if "objects" in row[0]:  # a PostgreSQL source: functions, policies, grants, ...
        from cutover.objects.gate_checks import check_objects

        objects = check_objects(conn, row[0], schema, explanations)
        parity += objects.parity
        if report is not None:
            report.objects = objects.lines
            report.problems += objects.problems
    return parity


def raw_fingerprints(
    conn: psycopg.Connection, contracts: SystemContracts
) -> dict[str, tuple[int, list[str]]]:
    """Per table: keys whose raw copy differs from the source, and the first of them."""
    from cutover.proof.fingerprint_sql import plan_for, raw_comparison_query

    columns = dict(
        conn.execute(
            "select table_name, raw_columns from cutover_audit.source_tables where system = %s",
            (contracts.system,),
        ).fetchall()
    )
    found = {}
    for table in contracts.tables:
        if table.source_table not in columns:
            continue  # reported by check_capture
        query = raw_comparison_query(plan_for(table), contracts, columns[table.source_table])
        rows = conn.execute(
            f"select row_key, problem, count(*) over () from ({query}) as d limit 5"
        ).fetchall()
        found[table.table] = (int(rows[0][2]) if rows else 0, [f"{k}: {p}" for k, p, _ in rows])
    return found


def record_checks(
    conn: psycopg.Connection,
    system: str,
    parity: list[KindParity],
    sequences: list[SequenceCheck],
    raw: dict[str, tuple[int, list[str]]],
) -> None:
    conn.execute("delete from cutover_audit.gate_checks where system = %s", (system,))
    rows = [(system, "parity", None, p) for kind in parity for p in kind.problems()]
    rows += [(system, "sequences", s.table, s.describe()) for s in sequences if not s.ok]
    rows += [
        (system, "raw_fingerprint", t, _raw_problem(t, n, first))
        for t, (n, first) in raw.items()
        if n
    ]
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into cutover_audit.gate_checks (system, check_name, table_name, problem) "
            "values (%s, %s, %s, %s)",
            rows,
        )


def _raw_problem(table: str, count: int, first: list[str]) -> str:
    return (
        f"raw_fingerprint: {table}: {count:,} key(s) whose raw copy differs from the source "
        f"(first: {'; '.join(first)})"
    )


def run_gate(system: str) -> int:
    """Run every validation of `system`; print the summary and what failed; 0 when green."""
    from cutover.gx.cli import _contracts, _paths, make_docs_offline, run_checkpoint, write_summary
    from cutover.gx.context import docs_index, open_context
    from cutover.gx.summary import count_rows, render, render_html

    started_at = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    context_dir, manifest, assets = _paths()
    target = TargetSettings.from_environment()
    (contracts,) = _contracts(manifest, [system])
    report = GateReport(system, uuid.uuid4(), candidate_schema(contracts))  # type: ignore[arg-type]
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        ensure_audit_schema(conn)
        conn.commit()
        tables = candidate_tables(conn, report.candidate_schema)
        if not tables:
            raise CutoverError(
                f"{system}: no candidate tables in schema {report.candidate_schema}: "
                f"run the migrate-{system} job first (or `cutover switch` already moved them)"
            )
        report.problems += check_capture(conn, contracts)  # type: ignore[arg-type]
        _record_el_rate(conn, contracts)  # type: ignore[arg-type]
        step = time.perf_counter()
        report.parity = object_parity(conn, contracts, report.candidate_schema, report)  # type: ignore[arg-type]
        log.info("object parity in %.2f s", time.perf_counter() - step)
        step = time.perf_counter()
        conn.commit()
    report.sequences = check_sequences(
        lambda: psycopg.connect(target.conninfo(), connect_timeout=10), report.candidate_schema
    )
    log.info("sequences (%d) in %.2f s", len(report.sequences), time.perf_counter() - step)
    report.problems += [p for kind in report.parity for p in kind.problems()]
    report.problems += [f"sequences: {s.describe()}" for s in report.sequences if not s.ok]
    step = time.perf_counter()
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        raw = raw_fingerprints(conn, contracts)  # type: ignore[arg-type]
        log.info("raw fingerprints in %.2f s", time.perf_counter() - step)
        report.problems += [_raw_problem(t, n, first) for t, (n, first) in raw.items() if n]
        record_checks(conn, system, report.parity, report.sequences, raw)

    step = time.perf_counter()
    context = open_context(context_dir, target)
    run = run_checkpoint(context, contracts)
    log.info("GX checkpoint in %.2f s", time.perf_counter() - step)
    gx_problems = [f"gx: {f.describe()}" for f in run.failures]
    report.problems += [p for p in gx_problems if "[" + f"{system}__objects]" not in p]
    checks = dict(run.checks)
    for table in contracts.tables:  # type: ignore[attr-defined]
        if table.table in raw:
            checks[(table.model, "raw_fingerprint")] = raw[table.table]
    rows = count_rows(target, contracts, run.verdicts, checks)  # type: ignore[arg-type]
    report.seconds = time.perf_counter() - clock

    verdict = (
        f"GATE PASSED: {system} ({len(contracts.tables)} tables) in {report.seconds:.1f} s"  # type: ignore[attr-defined]
        if report.passed
        else f"GATE FAILED: {system}: {len(report.problems)} problem(s)"
    )
    details = "\n".join(
        [
            _parity_table(report.parity),
            "",
            f"sequences: {sum(s.ok for s in report.sequences)}/{len(report.sequences)} past "
            "max(id), each proven by a rolled-back test insert",
            *(["", *report.objects] if report.objects else []),
        ]
    )
    text = "\n".join(
        [
            render(system, rows),
            "",
            details,
            *(
                ["", "What failed:"] + [f"  - {p}" for p in report.problems]
                if report.problems
                else []
            ),
            "",
            f"Data Docs: {docs_index(context_dir).as_uri()}",
            verdict,
        ]
    )
    print(text)
    write_summary(
        context_dir,
        system,
        text + "\n",
        render_html(system, rows, verdict, report.problems, details),
    )
    make_docs_offline(context_dir, assets)
    _record_run(target, report, started_at, tables, rows)
    return 0 if report.passed else 1


def _record_el_rate(conn: psycopg.Connection, contracts: SystemContracts) -> None:
    """The last extraction's rate (rows over the tap's first start to last finish, which
    the loader paces), kept for `cutover dry-run` estimates."""
    from cutover.rates import record_rate

    row = conn.execute(
        "select sum(emitted_row_count), "
        "extract(epoch from max(finished_at::timestamptz) - min(started_at::timestamptz)) "
        f"from {contracts.source_audit.sql} where _sdc_deleted_at is null "
        "and status = 'extracted'"
    ).fetchone()
    if row and row[0] and row[1] and float(row[1]) > 0:
        rate = record_rate(contracts.system, int(row[0]), float(row[1]))
        log.info("extraction rate recorded for dry runs: %s", rate.origin)


def _parity_table(parity: list[KindParity]) -> str:
    width = max(len(k.kind) for k in parity)
    lines = [f"{'object parity'.ljust(width)}  source  target  verdict"]
    for kind in parity:
        if kind.source == kind.target == 0 and kind.ok:
            continue
        verdict = "ok" if kind.ok else f"FAIL ({len(kind.missing) + len(kind.unexplained)})"
        if kind.ok and kind.explained:
            verdict += f" ({len(kind.explained)} explained)"
        lines.append(f"{kind.kind.ljust(width)}  {kind.source:>6}  {kind.target:>6}  {verdict}")
    return "\n".join(lines)


def _record_run(
    target: TargetSettings,
    report: GateReport,
    started_at: dt.datetime,
    tables: dict[str, int],
    rows: list,  # type: ignore[type-arg]
) -> None:
    summary = {
        r.table: {
            "source": r.source,
            "raw": r.raw,
            "final": r.final,
            "rejected": r.rejected,
            "fingerprint": r.fingerprint,
        }
        for r in rows
    }
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        conn.execute(
            "insert into cutover_audit.gate_runs (run_id, system, started_at, finished_at, "
            "passed, candidate_schema, candidate_tables, failures, summary) "
            "values (%s, %s, %s, now(), %s, %s, %s, %s, %s)",
            (
                report.run_id,
                report.system,
                started_at,
                report.passed,
                report.candidate_schema,
                json.dumps(tables),
                json.dumps(report.problems),
                json.dumps(summary),
            ),
        )
