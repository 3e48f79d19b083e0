{{ accepted_rows('int_coldchain__alembic_version_checked') }}
