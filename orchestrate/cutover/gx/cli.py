"""`cutover-gx`: the Meltano `gx` utility (GX 1.x has no CLI of its own).

cutover-gx validate [SYSTEM ...]   run each system's checkpoint, build Data Docs,
                                   print where every row went; exit 1 on any failure
cutover-gx docs                    rebuild Data Docs and make them render offline
cutover-gx suites [SYSTEM ...]     write the suites derived from the dbt contracts
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cutover.errors import CutoverError
from cutover.settings import TargetSettings, project_root


@dataclass(frozen=True)
class Failure:
    suite: str
    description: str
    observed: str
    first_rows: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = f"[{self.suite}] {self.description} (observed: {self.observed})"
        if self.first_rows:
            text += "\n      first: " + "\n             ".join(self.first_rows)
        return text


def _paths() -> tuple[Path, Path, Path]:
    root = project_root()
    context_dir = Path(os.environ.get("GX_CONTEXT_DIR") or root / "expectations").resolve()
    # dbt writes its manifest to DBT_TARGET_PATH when set (relative to the dbt project).
    manifest = root / "transform" / os.environ.get("DBT_TARGET_PATH", "target") / "manifest.json"
    assets = root / "expectations" / "docs_assets"
    return context_dir, manifest, assets


def ensure_manifest(manifest_path: Path) -> None:
    """No manifest yet (a fresh clone, before any dbt run): `dbt parse` writes one. It
    needs no database: the contracts are read from the project's files."""
    import subprocess

    from cutover.sources.registry import meltano_executable

    if manifest_path.is_file():
        return
    done = subprocess.run(
        [meltano_executable(), "invoke", "dbt", "parse"],
        cwd=project_root(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not manifest_path.is_file():
        last = ((done.stdout + done.stderr).strip().splitlines() or ["(no output)"])[-1]
        raise CutoverError(f"`meltano invoke dbt parse` did not write {manifest_path}: {last}")


def _contracts(manifest_path: Path, systems: Sequence[str]) -> list[object]:
    from cutover.gx.contracts import load_manifest, read_contracts, systems_in

    ensure_manifest(manifest_path)
    manifest = load_manifest(manifest_path)
    known = systems_in(manifest)
    wanted = list(systems) or known
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise CutoverError(
            f"no final models for {', '.join(unknown)} in {manifest_path} "
            f"(known: {', '.join(known)})"
        )
    return [read_contracts(manifest, system) for system in wanted]


def make_docs_offline(context_dir: Path, assets: Path) -> Path:
    from cutover.docs_offline import ensure_node_modules, make_site_offline
    from cutover.gx.context import docs_index

    index = docs_index(context_dir)
    if not index.is_file():
        raise CutoverError(f"no Data Docs at {index}: run `meltano invoke gx:validate` first")
    make_site_offline(index.parent, ensure_node_modules(assets))
    from cutover.gx.summary import inject_summaries

    inject_summaries(index, context_dir / "gx" / "uncommitted" / "summary")
    return index


@dataclass
class SystemRun:
    """One system's checkpoint run: verdicts per suite, failures, and per table the
    fingerprint comparisons' results (differing keys count, first keys)."""

    system: str
    verdicts: dict[str, tuple[int, int]]
    failures: list[Failure]
    checks: dict[tuple[str, str], tuple[int, list[str]]]  # (suite, check) -> (count, first)


def run_checkpoint(context: object, contracts: object) -> SystemRun:
    from cutover.gx.context import sync_system

    report = sync_system(context, contracts)  # type: ignore[arg-type]
    if report.written:
        print(
            f"{contracts.system}: suites written from the dbt contracts: "  # type: ignore[attr-defined]
            f"{', '.join(report.written)} (review and commit expectations/gx/)"
        )
    checkpoint = context.checkpoints.get(contracts.system)  # type: ignore[attr-defined]
    verdicts, failures, checks = _read_result(checkpoint.run())
    return SystemRun(contracts.system, verdicts, failures, checks)  # type: ignore[attr-defined]


def validate(systems: Sequence[str]) -> int:
    """GX alone (no object parity, no sequences): `cutover gate` runs all of it."""
    from cutover.gx.context import docs_index, open_context
    from cutover.gx.summary import count_rows, render

    context_dir, manifest, assets = _paths()
    target = TargetSettings.from_environment()
    all_contracts = _contracts(manifest, systems)
    context = open_context(context_dir, target)
    failed_systems = []
    index = docs_index(context_dir)
    for contracts in all_contracts:
        run = run_checkpoint(context, contracts)
        rows = count_rows(target, contracts, run.verdicts, run.checks)  # type: ignore[arg-type]
        lines = ["", render(run.system, rows)]
        if run.failures:
            failed_systems.append(run.system)
            lines.append(f"\n{len(run.failures)} expectation(s) failed:")
            lines += [f"  - {f.describe()}" for f in run.failures]
        lines.append(f"\nData Docs: {index.as_uri()}")
        lines.append(
            f"VALIDATION FAILED: {run.system}"
            if run.failures
            else "Validation passed: every source row is accounted for."
        )
        print("\n".join(lines))
        write_summary(context_dir, run.system, "\n".join(lines).strip() + "\n")
    make_docs_offline(context_dir, assets)
    return 1 if failed_systems else 0


def write_summary(context_dir: Path, system: str, text: str, html: str | None = None) -> None:
    """The last summary per system, for `make demo` to show after Meltano's log, and
    (as HTML) for the Data Docs index."""
    folder = context_dir / "gx" / "uncommitted" / "summary"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{system}.txt").write_text(text)
    if html is not None:
        (folder / f"{system}.html").write_text(html)


def _first_rows(item: object) -> list[str]:
    details = (item.result or {}).get("details") or {}  # type: ignore[attr-defined]
    rows = details.get("unexpected_rows") or []
    return [", ".join(f"{k}={v}" for k, v in dict(row).items()) for row in list(rows)[:5]]


def _read_result(
    result: object,
) -> tuple[dict[str, tuple[int, int]], list[Failure], dict[tuple[str, str], tuple[int, list[str]]]]:
    verdicts: dict[str, tuple[int, int]] = {}
    failures: list[Failure] = []
    checks: dict[tuple[str, str], tuple[int, list[str]]] = {}
    for validation in result.run_results.values():  # type: ignore[attr-defined]
        suite = validation.suite_name
        stats = validation.statistics
        verdicts[suite] = (
            int(stats["successful_expectations"]),
            int(stats["evaluated_expectations"]),
        )
        for item in validation.results:
            config = item.expectation_config
            check = (config.meta or {}).get("cutover_check")
            observed = item.result.get("observed_value")
            if check:
                count = observed if isinstance(observed, int) else -1
                checks[(suite, check)] = (count, _first_rows(item))
            if item.success:
                continue
            if observed is None and item.exception_info.get("raised_exception"):
                observed = item.exception_info.get("exception_message")
            failures.append(
                Failure(
                    suite, config.description or config.type, str(observed)[:300], _first_rows(item)
                )
            )
    return verdicts, failures, checks


def docs() -> int:
    from cutover.gx.context import open_context

    context_dir, _, assets = _paths()
    context = open_context(context_dir, TargetSettings.from_environment())
    context.build_data_docs()  # type: ignore[attr-defined]
    index = make_docs_offline(context_dir, assets)
    print(f"Data Docs (render offline): {index.as_uri()}")
    return 0


def suites(systems: Sequence[str]) -> int:
    from cutover.gx.context import open_context, sync_system

    context_dir, manifest, _ = _paths()
    context = open_context(context_dir, TargetSettings.from_environment())
    for contracts in _contracts(manifest, systems):
        report = sync_system(context, contracts)  # type: ignore[arg-type]
        print(
            f"{contracts.system}: {len(report.written)} suite(s) written, "  # type: ignore[attr-defined]
            f"{len(report.unchanged)} unchanged"
        )
    return 0


def _quiet_gx() -> None:
    """GX logs progress bars and deprecation chatter; keep the output to what matters."""
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("great_expectations", "py.warnings"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cutover-gx", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("validate", "suites"):
        sub = commands.add_parser(name)
        sub.add_argument("systems", nargs="*", help="systems (dbt tags); default: all")
    commands.add_parser("docs")
    args = parser.parse_args(argv)
    _quiet_gx()
    try:
        if args.command == "validate":
            return validate(args.systems)
        if args.command == "suites":
            return suites(args.systems)
        return docs()
    except CutoverError as error:
        print(f"cutover-gx: error: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a database or GX failure: one line, not a traceback wall
        if os.environ.get("CUTOVER_DEBUG"):
            raise
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"cutover-gx: error: {type(error).__name__}: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
