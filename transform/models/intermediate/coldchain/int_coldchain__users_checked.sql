{{ checked_rows('coldchain__users', ref('stg_coldchain__users')) }}
