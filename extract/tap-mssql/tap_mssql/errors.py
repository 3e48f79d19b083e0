"""Errors reported to the user as one line (``tap-mssql: error: ...``)."""

from __future__ import annotations


class MSSQLError(Exception):
    """A problem with the settings, the server or the data, reported as one line."""


class UnsupportedDataError(MSSQLError):
    """A column (or value) the tap cannot copy faithfully.

    ``table`` and ``column`` name the object; the message names them too.
    """

    def __init__(
        self, message: str, *, table: str | None = None, column: str | None = None
    ) -> None:
        """Keep the table and column for callers (audit, tests)."""
        super().__init__(message)
        self.table = table
        self.column = column
