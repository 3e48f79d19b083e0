"""Errors reported to the user as one line (``tap-msaccess: error: ...``)."""

from __future__ import annotations


class AccessError(Exception):
    """A problem with the source file or the reader that is reported as one line."""


class MissingDependencyError(AccessError):
    """Node, the npm packages of ``js/`` or mdbtools are not installed."""


class UnsupportedDataError(AccessError):
    """A table or column whose values cannot be read faithfully.

    ``table`` and ``column`` name the object; the message names them too.
    """

    def __init__(
        self, message: str, *, table: str | None = None, column: str | None = None
    ) -> None:
        """Keep the table and column for callers (audit, tests)."""
        super().__init__(message)
        self.table = table
        self.column = column
