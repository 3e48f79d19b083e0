{%- set casts = [] -%}

with

source as (
    select * from {{ source('coldchain', 'clients') }}
    where _sdc_deleted_at is null
),

renamed as (
    select
        {{ source_key(['id']) }} as _source_key,
        {{ try_cast('id', 'bigint', casts) }} as id,
        {{ clean_text('code') }} as code,
        {{ clean_text('name') }} as name,
        {{ clean_text('contact_name') }} as contact_name,
        {{ clean_text('phone') }} as phone,
        {{ clean_text('email') }} as email,
        {{ clean_text('address') }} as address,
        {{ try_cast('latitude', 'double precision', casts) }} as latitude,
        {{ try_cast('longitude', 'double precision', casts) }} as longitude,
        {{ to_boolean('is_active', casts) }} as is_active,
        {{ to_utc_timestamp('created_at', casts) }} as created_at,
        {{ to_utc_timestamp('updated_at', casts) }} as updated_at,
        {{ cast_errors(casts) }} as _cast_errors
    from source
)

select * from renamed
