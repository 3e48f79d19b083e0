-- depends_on: {{ ref('int_coldchain__clients_checked') }}
{{ checked_rows('coldchain__orders', ref('stg_coldchain__orders')) }}
