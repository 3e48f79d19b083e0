{{ accepted_rows('int_coldchain__vehicles_checked') }}
