"""`python -m cutover.bench.copy_file CONNINFO TABLE FILE [TABLE FILE ...]`: the benchmark's
ceiling, a plain COPY of each CSV file into its existing table, one after the other (its own
process, so it is measured alone)."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg
from psycopg import sql

CHUNK = 1 << 20


def main() -> None:
    conninfo, *pairs = sys.argv[1:]
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        for table, path in zip(pairs[::2], pairs[1::2], strict=True):
            statement = sql.SQL("copy {} from stdin (format csv)").format(sql.Identifier(table))
            with cursor.copy(statement) as copy, Path(path).open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    copy.write(chunk)


if __name__ == "__main__":
    main()
