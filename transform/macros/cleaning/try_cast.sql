{#- Cast a raw value to `data_type`, or NULL when it does not fit. Each call registers
    itself in `casts`, so that `cast_errors(casts)` can list the values that did not fit:
    the row then goes to the rejects relation with that reason instead of losing the value.
    Raw columns hold either the type or text (a "type lie"): both go through text. -#}
{% macro try_cast(column, data_type, casts) -%}
    {%- set value = "btrim(" ~ column ~ "::text)" -%}
    {%- set expression -%}
        case when {{ is_valid_input(value, data_type) }} then ({{ value }})::{{ data_type }} end
    {%- endset -%}
    {%- do casts.append({"column": column, "expression": expression}) -%}
    {{ expression }}
{%- endmacro %}

{#- SQLite booleans: 0/1 (also true/false, t/f, yes/no as text). Anything else is a cast error. -#}
{% macro to_boolean(column, casts) -%}
    {%- set expression -%}
        case lower(btrim({{ column }}::text))
            when '1' then true when 'true' then true when 't' then true when 'yes' then true
            when '0' then false when 'false' then false when 'f' then false when 'no' then false
        end
    {%- endset -%}
    {%- do casts.append({"column": column, "expression": expression}) -%}
    {{ expression }}
{%- endmacro %}

{#- One text[] of "cast_failed: <column>=<raw value>" for every registered cast that turned
    a non-blank raw value into NULL. -#}
{% macro cast_errors(casts) -%}
    array_remove(array[
    {%- for cast in casts %}
        case
            when nullif(btrim({{ cast.column }}::text), '') is not null and ({{ cast.expression }}) is null
                then 'cast_failed: {{ cast.column }}=' || left({{ cast.column }}::text, 80)
        end{{ "," if not loop.last }}
    {%- endfor %}
    ]::text[], null)
{%- endmacro %}
