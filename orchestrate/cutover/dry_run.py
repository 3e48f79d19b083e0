"""What a migration would move and how long it would take, from the source alone.

Reads the source's schema and counts (never the target, never writes), and estimates
each table's load time from a rate that says where it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

from cutover.rates import Rate
from cutover.sources.base import SkippedObject, SourceReader

NO_KEY_NOTE = "no primary key"


@dataclass(frozen=True)
class TableEstimate:
    name: str
    rows: int
    size_bytes: int | None
    seconds: float
    primary_key: tuple[str, ...]

    @property
    def provable(self) -> bool:
        """Whether rows can be matched one by one (by primary key) after the load."""
        return bool(self.primary_key)


@dataclass(frozen=True)
class DryRunReport:
    source: str
    kind: str
    source_size_bytes: int | None
    rate: Rate
    tables: tuple[TableEstimate, ...]
    skipped: tuple[SkippedObject, ...] = ()
    views: int = 0
    triggers: int = 0
    batch_size: int | None = None  # the extractor's rows per read, when known

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)

    @property
    def total_seconds(self) -> float:
        return sum(table.seconds for table in self.tables)

    @property
    def total_size_bytes(self) -> int | None:
        sizes = [table.size_bytes for table in self.tables]
        return None if None in sizes else sum(s for s in sizes if s is not None)

    @property
    def without_primary_key(self) -> tuple[str, ...]:
        return tuple(table.name for table in self.tables if not table.provable)


def dry_run(reader: SourceReader, rate: Rate) -> DryRunReport:
    """Count and size every table of `reader` and estimate its load at `rate`."""
    if rate.rows_per_second <= 0:
        raise ValueError(f"a rate must be positive, got {rate.rows_per_second}")
    schema = reader.schema()
    return DryRunReport(
        source=reader.description,
        kind=reader.kind,
        source_size_bytes=reader.size_bytes,
        rate=rate,
        tables=tuple(
            TableEstimate(
                name=table.name,
                rows=table.row_count,
                size_bytes=table.size_bytes,
                seconds=table.row_count / rate.rows_per_second,
                primary_key=table.primary_key,
            )
            for table in schema.tables
        ),
        skipped=schema.skipped,
        views=len(schema.views),
        triggers=len(schema.triggers),
        batch_size=reader.batch_size,
    )


def render(report: DryRunReport) -> str:
    header = ("table", "rows", "size", "est. load", "note")
    body = [
        (
            table.name,
            f"{table.rows:,}",
            human_size(table.size_bytes),
            duration(table.seconds),
            "; ".join(filter(None, [_batches(table.rows, report.batch_size), _key_note(table)])),
        )
        for table in report.tables
    ]
    total = (
        f"total ({len(report.tables)} tables)",
        f"{report.total_rows:,}",
        human_size(report.total_size_bytes),
        duration(report.total_seconds),
        "",
    )
    widths = [max(len(line[i]) for line in (header, *body, total)) for i in range(len(header))]

    def fmt(line: tuple[str, ...]) -> str:
        numbers = [c.rjust(w) for c, w in zip(line[1:4], widths[1:4], strict=True)]
        return "  ".join([line[0].ljust(widths[0]), *numbers, line[4]]).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join(
        [
            f"Dry run of {report.source} ({report.kind}, {human_size(report.source_size_bytes)})"
            ": read only, nothing loaded",
            f"Rate: {report.rate.rows_per_second:,.0f} rows/s ({report.rate.origin})",
            rule,
            fmt(header),
            rule,
            *map(fmt, body),
            rule,
            fmt(total),
            rule,
            *_footer(report),
        ]
    )


def _batches(rows: int, batch_size: int | None) -> str:
    if not batch_size or not rows:
        return ""
    count = -(-rows // batch_size)
    return f"{count:,} batch{'es' if count > 1 else ''} of {batch_size:,}"


def _key_note(table: TableEstimate) -> str:
    return "" if table.provable else NO_KEY_NOTE


def _footer(report: DryRunReport) -> list[str]:
    lines = []
    if report.batch_size:
        lines.append(
            f"Batch size: {report.batch_size:,} rows per read (the extractor's `batch_size`; "
            "e.g. TAP_MSACCESS__<SYSTEM>_BATCH_SIZE=500 for a smaller memory footprint)"
        )
    unkeyed = report.without_primary_key
    if unkeyed:
        lines.append(
            f"{NO_KEY_NOTE}: {len(unkeyed)} table(s) cannot be proven row by row: "
            + ", ".join(unkeyed)
        )
    if report.skipped:
        lines.append(f"Not loaded as tables ({len(report.skipped)}):")
        lines.extend(f"  {s.name} ({s.kind}): {s.reason}" for s in report.skipped)
    lines.append(f"Also in the source: {report.views} views, {report.triggers} triggers")
    return lines


def human_size(size: int | None) -> str:
    if size is None:
        return "?"
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:,.1f} {unit}"


def duration(seconds: float) -> str:
    if 0 < seconds < 0.05:
        return "< 0.1 s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
