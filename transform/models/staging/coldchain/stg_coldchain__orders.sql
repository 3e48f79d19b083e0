{%- set casts = [] -%}

with

source as (
    select * from {{ source('coldchain', 'orders') }}
    where _sdc_deleted_at is null
),

renamed as (
    select
        {{ source_key(['id']) }} as _source_key,
        {{ try_cast('id', 'bigint', casts) }} as id,
        {{ clean_text('order_number') }} as order_number,
        {{ try_cast('client_id', 'bigint', casts) }} as client_id,
        {{ clean_text('pickup_address') }} as pickup_address,
        {{ clean_text('delivery_address') }} as delivery_address,
        {{ to_utc_timestamp('pickup_time', casts) }} as pickup_time,
        {{ to_utc_timestamp('delivery_deadline', casts) }} as delivery_deadline,
        {{ clean_text('cargo_type') }} as cargo_type,
        {{ try_cast('weight_kg', 'double precision', casts) }} as weight_kg,
        {{ try_cast('required_temp_min', 'double precision', casts) }} as required_temp_min,
        {{ try_cast('required_temp_max', 'double precision', casts) }} as required_temp_max,
        {{ try_cast('price', 'numeric', casts) }} as price,
        lower({{ clean_text('status') }}) as status,
        notes,
        {{ to_utc_timestamp('created_at', casts) }} as created_at,
        {{ to_utc_timestamp('updated_at', casts) }} as updated_at,
        {{ cast_errors(casts) }} as _cast_errors
    from source
)

select * from renamed
