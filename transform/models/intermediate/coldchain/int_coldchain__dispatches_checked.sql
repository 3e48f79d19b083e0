-- depends_on: {{ ref('int_coldchain__orders_checked') }}
-- depends_on: {{ ref('int_coldchain__vehicles_checked') }}
-- depends_on: {{ ref('int_coldchain__drivers_checked') }}
{{ checked_rows('coldchain__dispatches', ref('stg_coldchain__dispatches')) }}
