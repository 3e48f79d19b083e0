{%- set casts = [] -%}

with

source as (
    select * from {{ source('coldchain', 'dispatches') }}
    where _sdc_deleted_at is null
),

renamed as (
    select
        {{ source_key(['id']) }} as _source_key,
        {{ try_cast('id', 'bigint', casts) }} as id,
        {{ clean_text('dispatch_number') }} as dispatch_number,
        {{ try_cast('order_id', 'bigint', casts) }} as order_id,
        {{ try_cast('vehicle_id', 'bigint', casts) }} as vehicle_id,
        {{ try_cast('driver_id', 'bigint', casts) }} as driver_id,
        lower({{ clean_text('status') }}) as status,
        {{ to_utc_timestamp('dispatched_at', casts) }} as dispatched_at,
        {{ to_utc_timestamp('delivered_at', casts) }} as delivered_at,
        {{ try_cast('distance_km', 'double precision', casts) }} as distance_km,
        {{ to_utc_timestamp('created_at', casts) }} as created_at,
        {{ cast_errors(casts) }} as _cast_errors
    from source
)

select * from renamed
