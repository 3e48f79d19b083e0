{{ accepted_rows('int_coldchain__orders_checked') }}
