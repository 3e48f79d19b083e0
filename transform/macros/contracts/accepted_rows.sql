{#- A final table's rows: the checked rows with no reject reason, cast to the contract's
    types (safe: checked_rows() already rejected values too long or out of range). -#}
{% macro accepted_rows(checked_model) -%}
select
    {%- for column in model.columns.values() %}
    cast({{ adapter.quote(column.name) }} as {{ column.data_type }}) as {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
    {%- endfor %}
from {{ ref(checked_model) }}
where _is_accepted
{%- endmacro %}
