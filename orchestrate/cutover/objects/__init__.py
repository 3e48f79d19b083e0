"""Everything of a PostgreSQL source that is not rows: read from its catalog, carried to
the target by project code, and compared kind by kind (`cutover objects`, the gate)."""
