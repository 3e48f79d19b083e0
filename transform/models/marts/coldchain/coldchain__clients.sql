{{ accepted_rows('int_coldchain__clients_checked') }}
