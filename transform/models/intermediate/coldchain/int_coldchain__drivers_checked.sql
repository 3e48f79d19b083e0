-- depends_on: {{ ref('int_coldchain__users_checked') }}
{{ checked_rows('coldchain__drivers', ref('stg_coldchain__drivers')) }}
