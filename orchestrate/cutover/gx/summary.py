"""Where every source row ended up, per table: the numbers a go / no-go decision starts from.

Counted here straight from the database (source audit, raw, final, rejects), not from
any dbt model, next to the GX verdict for the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

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
    differing: int | None = None  # keys whose fingerprint differs (None: not compared)
    raw_differing: int | None = None

    @property
    def fingerprint(self) -> str:
        if self.differing is None:
            return "?"
        if self.differing == 0 and not self.raw_differing:
            return "match"
        parts = []
        if self.differing:
            parts.append(f"{self.differing:,} differ" if self.differing > 0 else "error")
        if self.raw_differing:
            parts.append(f"raw {self.raw_differing:,} differ")
        return "; ".join(parts)

    @property
    def unaccounted(self) -> int | None:
        return None if self.source is None else self.source - self.final - self.rejected

    @property
    def validated(self) -> bool:
        return self.evaluated > 0 and self.passed == self.evaluated


def count_rows(
    target: TargetSettings,
    contracts: SystemContracts,
    verdicts: dict[str, tuple[int, int]],
    checks: dict[tuple[str, str], tuple[int, list[str]]] | None = None,
) -> list[TableCounts]:
    checks = checks or {}
    rows = []
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        for table in contracts.tables:
            source = conn.execute(
                f"select source_row_count from {contracts.source_audit.sql} "
                "where table_name = %s and status = 'extracted' and _sdc_deleted_at is null",
                (table.source_table,),
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
                    differing=checks.get((table.model, "fingerprint"), (None,))[0],
                    raw_differing=checks.get((table.model, "raw_fingerprint"), (None,))[0],
                )
            )
    return rows


def render(system: str, rows: list[TableCounts]) -> str:
    header, body = table_cells(rows)
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


HEADER = ("table", "source", "raw", "final", "rejected", "unaccounted", "fingerprint", "validated")


def table_cells(rows: list[TableCounts]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The pgloader-style table: one line per table, then the totals."""
    body = [
        (
            row.table,
            _n(row.source),
            _n(row.raw),
            _n(row.final),
            _n(row.rejected),
            _n(row.unaccounted),
            row.fingerprint,
            f"{'pass' if row.validated else 'FAIL'} ({row.passed}/{row.evaluated})",
        )
        for row in rows
    ]
    sources = [r.source for r in rows]
    total_source = None if None in sources else sum(s for s in sources if s is not None)
    total_unaccounted = [r.unaccounted for r in rows]
    matched = sum(r.fingerprint == "match" for r in rows)
    body.append(
        (
            "total",
            _n(total_source),
            _n(sum(r.raw for r in rows)),
            _n(sum(r.final for r in rows)),
            _n(sum(r.rejected for r in rows)),
            _n(None if None in total_unaccounted else sum(total_unaccounted)),  # type: ignore[arg-type]
            f"{matched}/{len(rows)} match",
            f"{sum(r.validated for r in rows)}/{len(rows)} tables",
        )
    )
    return HEADER, body


def render_html(
    system: str, rows: list[TableCounts], verdict: str, problems: list[str], details: str = ""
) -> str:
    """The same table for the Data Docs index, with the gate's verdict and problems."""
    header, body = table_cells(rows)
    cell = '<td class="text-right">{}</td>'

    def line(cells: tuple[str, ...], tag: str = "td") -> str:
        first = f"<{tag}>{escape(cells[0])}</{tag}>"
        rest = "".join(
            f'<{tag} class="text-right">{escape(c)}</{tag}>'
            if tag == "th"
            else cell.format(escape(c))
            for c in cells[1:]
        )
        return f"<tr>{first}{rest}</tr>"

    failed = not verdict.startswith("GATE PASSED")
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    return (
        f'<div class="card mb-3 cutover-summary" id="cutover-{escape(system)}">'
        f'<div class="card-header"><strong>Cutover gate: {escape(system)}</strong> '
        f'<span class="badge {"badge-danger" if failed else "badge-success"}">'
        f"{escape(verdict)}</span></div>"
        '<div class="card-body"><table class="table table-sm table-striped">'
        f"<thead>{line(header, 'th')}</thead><tbody>"
        + "".join(line(r) for r in body[:-1])
        + f"</tbody><tfoot>{line(body[-1], 'th')}</tfoot></table>"
        + (f'<pre class="small">{escape(details)}</pre>' if details else "")
        + (f"<p><strong>What failed</strong></p><ul>{items}</ul>" if problems else "")
        + "</div></div>"
    )


_START = "<!-- cutover-summaries -->"
_END = "<!-- /cutover-summaries -->"


def inject_summaries(index: Path, folder: Path) -> None:
    """Put every system's gate summary at the top of the Data Docs index (GX rewrites the
    index on each build, so this runs after every build)."""
    fragments = sorted(folder.glob("*.html")) if folder.is_dir() else []
    html = index.read_text()
    if _START in html:
        html = html[: html.index(_START)] + html[html.index(_END) + len(_END) :]
    block = _START + "".join(f.read_text() for f in fragments) + _END
    anchor = '<div class="col-md-10 col-lg-10 col-xs-12 pl-md-4 pr-md-3">'
    if anchor in html:
        html = html.replace(anchor, anchor + block, 1)
    else:
        html = html.replace("<body>", "<body>" + block, 1)
    index.write_text(html)


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
