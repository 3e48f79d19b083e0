"""Great Expectations 1.x for the migration gate: suites derived from the dbt contracts,
one checkpoint per system, Data Docs that render offline, and a per-table summary."""
