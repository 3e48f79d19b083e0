"""`python -m cutover.bench.copy_file CONNINFO TABLE FILE`: the benchmark's ceiling, a plain
COPY of a CSV file into an existing table (its own process, so it is measured alone)."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg
from psycopg import sql

CHUNK = 1 << 20


def main() -> None:
    conninfo, table, path = sys.argv[1:4]
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        statement = sql.SQL("copy {} from stdin (format csv)").format(sql.Identifier(table))
        with cursor.copy(statement) as copy, Path(path).open("rb") as handle:
            while chunk := handle.read(CHUNK):
                copy.write(chunk)


if __name__ == "__main__":
    main()
