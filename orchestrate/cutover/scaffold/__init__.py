"""Scaffolding dbt models for a legacy source: type mapping and identifier rules.

`sqlite_types` decides each SQLite column's PostgreSQL type and staging cast from its
declared type and the values actually stored; `identifiers` turns source names into
PostgreSQL names. The scaffolder that writes the models builds on both.
"""
