"""Deterministic sample legacy databases, one module per reference system."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    raise CutoverError(f"no sample generator for system {system!r}")
