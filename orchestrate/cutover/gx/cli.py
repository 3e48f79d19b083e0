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
from dataclasses import dataclass
from pathlib import Path

from cutover.errors import CutoverError
from cutover.settings import TargetSettings, project_root


@dataclass(frozen=True)
class Failure:
    suite: str
    description: str
    observed: str


def _paths() -> tuple[Path, Path, Path]:
    root = project_root()
    context_dir = Path(os.environ.get("GX_CONTEXT_DIR") or root / "expectations").resolve()
    # dbt writes its manifest to DBT_TARGET_PATH when set (relative to the dbt project).
    manifest = root / "transform" / os.environ.get("DBT_TARGET_PATH", "target") / "manifest.json"
    assets = root / "expectations" / "docs_assets"
    return context_dir, manifest, assets


def _contracts(manifest_path: Path, systems: Sequence[str]) -> list[object]:
    from cutover.gx.contracts import load_manifest, read_contracts, systems_in

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


def _make_docs_offline(context_dir: Path, assets: Path) -> Path:
    from cutover.docs_offline import ensure_node_modules, make_site_offline
    from cutover.gx.context import docs_index

    index = docs_index(context_dir)
    if not index.is_file():
        raise CutoverError(f"no Data Docs at {index}: run `meltano invoke gx:validate` first")
    make_site_offline(index.parent, ensure_node_modules(assets))
    return index


def validate(systems: Sequence[str]) -> int:
    from cutover.gx.context import docs_index, open_context, sync_system
    from cutover.gx.summary import count_rows, render

    context_dir, manifest, assets = _paths()
    target = TargetSettings.from_environment()
    all_contracts = _contracts(manifest, systems)
    context = open_context(context_dir, target)
    failed_systems = []
    index = docs_index(context_dir)
    for contracts in all_contracts:
        report = sync_system(context, contracts)  # type: ignore[arg-type]
        if report.written:
            print(
                f"{contracts.system}: suites written from the dbt contracts: "  # type: ignore[attr-defined]
                f"{', '.join(report.written)} (review and commit expectations/gx/)"
            )
        checkpoint = context.checkpoints.get(contracts.system)  # type: ignore[attr-defined]
        result = checkpoint.run()
        verdicts, failures = _read_result(result)
        lines = ["", render(contracts.system, count_rows(target, contracts, verdicts))]  # type: ignore[arg-type]
        if failures:
            failed_systems.append(contracts.system)  # type: ignore[attr-defined]
            lines.append(f"\n{len(failures)} expectation(s) failed:")
            lines += [f"  - [{f.suite}] {f.description} (observed: {f.observed})" for f in failures]
        lines.append(f"\nData Docs: {index.as_uri()}")
        lines.append(
            f"VALIDATION FAILED: {contracts.system}"  # type: ignore[attr-defined]
            if failures
            else "Validation passed: every source row is accounted for."
        )
        print("\n".join(lines))
        _write_summary(context_dir, contracts.system, "\n".join(lines).strip() + "\n")  # type: ignore[attr-defined]
    _make_docs_offline(context_dir, assets)
    return 1 if failed_systems else 0


def _write_summary(context_dir: Path, system: str, text: str) -> None:
    """The last summary per system, for `make demo` to show after Meltano's log."""
    folder = context_dir / "gx" / "uncommitted" / "summary"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{system}.txt").write_text(text)


def _read_result(result: object) -> tuple[dict[str, tuple[int, int]], list[Failure]]:
    verdicts: dict[str, tuple[int, int]] = {}
    failures: list[Failure] = []
    for validation in result.run_results.values():  # type: ignore[attr-defined]
        suite = validation.suite_name
        stats = validation.statistics
        verdicts[suite] = (
            int(stats["successful_expectations"]),
            int(stats["evaluated_expectations"]),
        )
        for item in validation.results:
            if item.success:
                continue
            config = item.expectation_config
            observed = item.result.get("observed_value")
            if observed is None and item.exception_info.get("raised_exception"):
                observed = item.exception_info.get("exception_message")
            failures.append(Failure(suite, config.description or config.type, str(observed)[:300]))
    return verdicts, failures


def docs() -> int:
    from cutover.gx.context import open_context

    context_dir, _, assets = _paths()
    context = open_context(context_dir, TargetSettings.from_environment())
    context.build_data_docs()  # type: ignore[attr-defined]
    index = _make_docs_offline(context_dir, assets)
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
