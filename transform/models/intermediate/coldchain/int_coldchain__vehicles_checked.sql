-- depends_on: {{ ref('int_coldchain__drivers_checked') }}
{{ checked_rows('coldchain__vehicles', ref('stg_coldchain__vehicles')) }}
