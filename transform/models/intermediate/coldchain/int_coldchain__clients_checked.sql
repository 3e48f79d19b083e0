{{ checked_rows('coldchain__clients', ref('stg_coldchain__clients')) }}
