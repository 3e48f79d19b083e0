{{ accepted_rows('int_coldchain__dispatches_checked') }}
