{%- set casts = [] -%}

with

source as (
    select * from {{ source('coldchain', 'drivers') }}
    where _sdc_deleted_at is null
),

renamed as (
    select
        {{ source_key(['id']) }} as _source_key,
        {{ try_cast('id', 'bigint', casts) }} as id,
        {{ try_cast('user_id', 'bigint', casts) }} as user_id,
        {{ clean_text('name') }} as name,
        {{ clean_text('phone') }} as phone,
        {{ clean_text('license_number') }} as license_number,
        {{ to_date('license_expiry', casts) }} as license_expiry,
        {{ to_boolean('is_available', casts) }} as is_available,
        {{ to_utc_timestamp('created_at', casts) }} as created_at,
        {{ cast_errors(casts) }} as _cast_errors
    from source
)

select * from renamed
