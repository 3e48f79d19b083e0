"""Where every source row ended up, per table: the numbers a go / no-go decision starts from.

Counted here straight from the database (source audit, raw, final, rejects), not from
any dbt model, next to the GX verdict for the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from cutover.gx.contracts import SystemContracts
from cutover.settings import TargetSettings


@dataclass(frozen=True)
class TableCounts:
    table: str
    source: int | None
    raw: int
    final: int
    rejected: int
    passed: int
    evaluated: int

    @property
    def unaccounted(self) -> int | None:
        return None if self.source is None else self.source - self.final - self.rejected

    @property
    def validated(self) -> bool:
        return self.evaluated > 0 and self.passed == self.evaluated


def count_rows(
    target: TargetSettings, contracts: SystemContracts, verdicts: dict[str, tuple[int, int]]
) -> list[TableCounts]:
    rows = []
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        for table in contracts.tables:
            source = conn.execute(
                f"select source_row_count from {contracts.source_audit.sql} "
                "where table_name = %s and status = 'extracted' and _sdc_deleted_at is null",
                (table.table,),
            ).fetchone()
            raw = conn.execute(
                f"select count(*) from {table.raw.sql} where _sdc_deleted_at is null"
            ).fetchone()
            final = conn.execute(f"select count(*) from {table.relation.sql}").fetchone()
            rejected = conn.execute(
                f"select count(*) from {contracts.rejects.sql} where source_table = %s",
                (table.table,),
            ).fetchone()
            passed, evaluated = verdicts.get(table.model, (0, 0))
            rows.append(
                TableCounts(
                    table=table.table,
                    source=None if source is None else int(source[0]),
                    raw=int(raw[0]),  # type: ignore[index]
                    final=int(final[0]),  # type: ignore[index]
                    rejected=int(rejected[0]),  # type: ignore[index]
                    passed=passed,
                    evaluated=evaluated,
                )
            )
    return rows


def render(system: str, rows: list[TableCounts]) -> str:
    header = ("table", "source", "raw", "final", "rejected", "unaccounted", "validated")
    body = [
        (
            row.table,
            _n(row.source),
            _n(row.raw),
            _n(row.final),
            _n(row.rejected),
            _n(row.unaccounted),
            f"{'pass' if row.validated else 'FAIL'} ({row.passed}/{row.evaluated})",
        )
        for row in rows
    ]
    sources = [r.source for r in rows]
    total_source = None if None in sources else sum(s for s in sources if s is not None)
    total_unaccounted = [r.unaccounted for r in rows]
    body.append(
        (
            "total",
            _n(total_source),
            _n(sum(r.raw for r in rows)),
            _n(sum(r.final for r in rows)),
            _n(sum(r.rejected for r in rows)),
            _n(None if None in total_unaccounted else sum(total_unaccounted)),  # type: ignore[arg-type]
            f"{sum(r.validated for r in rows)}/{len(rows)} tables",
        )
    )
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]

    def fmt(line: tuple[str, ...]) -> str:
        cells = [line[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells)

    rule = "-" * len(fmt(header))
    return "\n".join(
        [
            f"{system}: where every source row went",
            rule,
            fmt(header),
            rule,
            *map(fmt, body[:-1]),
            rule,
            fmt(body[-1]),
        ]
    )


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
