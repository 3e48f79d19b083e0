{{ accepted_rows('int_coldchain__users_checked') }}
