"""Tiny SQL text helpers shared by the other modules."""

from __future__ import annotations


def quote_identifier(name: str) -> str:
    """Quote a SQLite identifier with double quotes (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'
