{%- set casts = [] -%}

with

source as (
    select * from {{ source('coldchain', 'users') }}
    where _sdc_deleted_at is null
),

renamed as (
    select
        {{ source_key(['id']) }} as _source_key,
        {{ try_cast('id', 'bigint', casts) }} as id,
        {{ clean_text('email') }} as email,
        {{ clean_text('username') }} as username,
        hashed_password,
        {{ clean_text('full_name') }} as full_name,
        lower({{ clean_text('role') }}) as role,
        {{ to_boolean('is_active', casts) }} as is_active,
        {{ to_utc_timestamp('created_at', casts) }} as created_at,
        {{ to_utc_timestamp('updated_at', casts) }} as updated_at,
        {{ cast_errors(casts) }} as _cast_errors
    from source
)

select * from renamed
