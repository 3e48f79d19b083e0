"""A fix for meltanolabs-target-postgres 0.8.1: with `use_copy: true` it rounds every
`number` to a double before COPY. Its `_do_copy` asks the generic `Numeric` type for a
bind processor, and SQLAlchemy's psycopg dialect says it has no native decimal support, so
the processor is `to_float`: `922337203685477.5807` (SQL Server money) arrives as
`922337203685477.6`, a 38-digit decimal loses its last 22 digits. The INSERT path is exact.

This is the upstream method (MIT licence, target_postgres/sinks.py, PostgresSink._do_copy)
with exact numeric columns left to psycopg, which writes a Decimal with all its digits.
Remove it when upstream uses the dialect's own type implementation.

Second fix, same place: a JSON column's bind processor writes a record's `null` as the
JSON literal `null` (SQLAlchemy's JSON `none_as_null` is off), so a source's SQL NULL in a
jsonb column became `'null'::jsonb` in the raw table. A Singer `null` is no value: it is
written as SQL NULL.
"""

from __future__ import annotations

import typing as t

import sqlalchemy
from target_postgres.sinks import PostgresSink


def _processor(column: sqlalchemy.Column, dialect: sqlalchemy.Dialect) -> t.Any:
    column_type = column.type
    if isinstance(column_type, sqlalchemy.Numeric) and not isinstance(
        column_type, sqlalchemy.Float
    ):
        return None  # Decimal and int go to psycopg as they are: exact
    processor = column_type.bind_processor(dialect)
    if isinstance(column_type, sqlalchemy.JSON) and processor is not None:
        return lambda value: None if value is None else processor(value)
    return processor


def _do_copy(
    self: PostgresSink,
    connection: sqlalchemy.engine.Connection,
    copy_statement: str,
    columns: list[sqlalchemy.Column],
    data_to_copy: list[dict[str, t.Any]],
) -> None:
    del self
    processors = {column.name: _processor(column, connection.dialect) for column in columns}
    with connection.connection.cursor().copy(copy_statement) as copy:  # type: ignore[attr-defined]
        for row in data_to_copy:
            copy.write_row(
                [
                    value if processors[name] is None else processors[name](value)
                    for name, value in row.items()
                ]
            )


def install() -> None:
    PostgresSink._do_copy = _do_copy  # type: ignore[method-assign]
