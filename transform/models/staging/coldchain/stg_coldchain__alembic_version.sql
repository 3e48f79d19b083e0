{%- set casts = [] -%}

with

source as (
    select * from {{ source('coldchain', 'alembic_version') }}
    where _sdc_deleted_at is null
),

renamed as (
    select
        {{ source_key(['version_num']) }} as _source_key,
        {{ clean_text('version_num') }} as version_num,
        {{ cast_errors(casts) }} as _cast_errors
    from source
)

select * from renamed
