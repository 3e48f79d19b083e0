"""The project's own commands: embedded PostgreSQL, sample sources, validation and reports."""
