"""`cutover bench`: our EL step against pgloader and a plain COPY, in one run, on the same
PostgreSQL and the same deterministic SQLite source (not part of the tests)."""
