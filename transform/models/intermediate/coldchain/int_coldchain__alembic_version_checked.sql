{{ checked_rows('coldchain__alembic_version', ref('stg_coldchain__alembic_version')) }}
