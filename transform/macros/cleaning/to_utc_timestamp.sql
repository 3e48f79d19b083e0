{#- Legacy timestamps, stored as text in several formats (or epoch numbers), to a
    `timestamp` holding UTC, which is what the applications meant (naive UTC datetimes).

    Rules, in order (the value is trimmed first; `T` and `/` are read as ` ` and `-`):
    1. 9-11 digits (optionally with a fraction): epoch seconds (from year 1 on).
    2. 12-14 digits: epoch milliseconds.
    3. YYYY-MM-DD[ HH:MI[:SS[.ffffff]]]: a naive UTC timestamp, kept as is.
    4. The same followed by Z or an offset (+09, +0900, +09:00): converted to UTC.
    Anything else, or an impossible date (2023-02-30, 0000-00-00), is a cast error and the
    row goes to the rejects with the raw value. -#}
{% macro to_utc_timestamp(column, casts) -%}
    {%- set raw = "btrim(" ~ column ~ "::text)" -%}
    {%- set normal = "translate(" ~ raw ~ ", 'T/', ' -')" -%}
    {%- set expression -%}
        case
            when {{ raw }} ~ '^-?[0-9]{9,11}([.][0-9]+)?$'
                and ({{ raw }})::double precision >= -62135596800
                then to_timestamp(({{ raw }})::double precision) at time zone 'UTC'
            when {{ raw }} ~ '^[0-9]{12,14}$'
                then to_timestamp(({{ raw }})::double precision / 1000) at time zone 'UTC'
            when {{ normal }} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?$'
                and {{ is_valid_input(normal, 'timestamp') }}
                then ({{ normal }})::timestamp
            when {{ normal }} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'
                and {{ is_valid_input(normal, 'timestamptz') }}
                then ({{ normal }})::timestamptz at time zone 'UTC'
        end
    {%- endset -%}
    {%- do casts.append({"column": column, "expression": expression}) -%}
    {{ expression }}
{%- endmacro %}

{#- Dates stored as text (YYYY-MM-DD, or with / separators). -#}
{% macro to_date(column, casts) -%}
    {%- set normal = "translate(btrim(" ~ column ~ "::text), '/', '-')" -%}
    {%- set expression -%}
        case
            when {{ normal }} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' and {{ is_valid_input(normal, 'date') }}
                then ({{ normal }})::date
        end
    {%- endset -%}
    {%- do casts.append({"column": column, "expression": expression}) -%}
    {{ expression }}
{%- endmacro %}
