{%- set casts = [] -%}

with

source as (
    select * from {{ source('coldchain', 'vehicles') }}
    where _sdc_deleted_at is null
),

renamed as (
    select
        {{ source_key(['id']) }} as _source_key,
        {{ try_cast('id', 'bigint', casts) }} as id,
        {{ clean_text('code') }} as code,
        {{ clean_text('plate_number') }} as plate_number,
        lower({{ clean_text('vehicle_type') }}) as vehicle_type,
        {{ try_cast('capacity_kg', 'double precision', casts) }} as capacity_kg,
        {{ try_cast('min_temp', 'double precision', casts) }} as min_temp,
        {{ try_cast('max_temp', 'double precision', casts) }} as max_temp,
        {{ try_cast('driver_id', 'bigint', casts) }} as driver_id,
        {{ to_boolean('is_active', casts) }} as is_active,
        {{ to_utc_timestamp('created_at', casts) }} as created_at,
        {{ cast_errors(casts) }} as _cast_errors
    from source
)

select * from renamed
