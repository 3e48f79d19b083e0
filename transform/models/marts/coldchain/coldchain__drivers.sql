{{ accepted_rows('int_coldchain__drivers_checked') }}
