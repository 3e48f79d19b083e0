"""Load rates measured on this machine, one file per system, so estimates start from a fact.

`.data/history/<system>.json` holds the last measured run: rows, seconds, rows_per_second
and when (UTC). Without one, estimates use DEFAULT_RATE and say so.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cutover.errors import CutoverError
from cutover.settings import project_root

_SYSTEM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Rate:
    rows_per_second: float
    origin: str  # where the number comes from, printed next to every estimate


DEFAULT_RATE = Rate(
    rows_per_second=10_000.0,
    origin=(
        "project default: the EL step's rate measured in the project's benchmark; "
        "no run was measured here yet"
    ),
)


def history_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    if directory is not None:
        return Path(directory)
    configured = os.environ.get("CUTOVER_HISTORY_DIR")
    return Path(configured) if configured else project_root() / ".data" / "history"


def rate_file(system: str, directory: str | os.PathLike[str] | None = None) -> Path:
    if not _SYSTEM_NAME.fullmatch(system):
        raise CutoverError(f"invalid system name {system!r} (letters, digits, _ . - only)")
    return history_dir(directory) / f"{system}.json"


def record_rate(
    system: str, rows: int, seconds: float, *, directory: str | os.PathLike[str] | None = None
) -> Rate:
    """Save a measured load of `rows` in `seconds` as the system's rate, and return it.

    Raises ValueError when there is nothing to measure (no rows or no elapsed time).
    """
    if rows <= 0 or seconds <= 0:
        raise ValueError(f"cannot measure a rate from {rows} rows in {seconds} s")
    path = rate_file(system, directory)
    record = {
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".partial")
    scratch.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    scratch.replace(path)  # a reader never sees half a file
    return _rate_from(record)


def load_rate(system: str, *, directory: str | os.PathLike[str] | None = None) -> Rate | None:
    """The system's last measured rate, or None when none was recorded."""
    path = rate_file(system, directory)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return _rate_from(record)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CutoverError(
            f"{path} is not a readable rate record ({exc}): delete it, the next load measures again"
        ) from exc


def _rate_from(record: dict[str, Any]) -> Rate:
    rows = int(record["rows"])
    seconds = float(record["seconds"])
    per_second = float(record["rows_per_second"])
    if per_second <= 0:
        raise ValueError(f"rows_per_second is {per_second}")
    measured = datetime.fromisoformat(str(record["measured_at"])).astimezone(UTC)
    return Rate(
        rows_per_second=per_second,
        origin=(f"measured {measured:%Y-%m-%d %H:%M} UTC: {rows:,} rows in {_seconds(seconds)}"),
    )


def _seconds(seconds: float) -> str:
    return f"{seconds:,.1f} s" if seconds >= 0.1 else f"{seconds:.3f} s"
