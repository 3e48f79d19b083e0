{#- The rows of a staged table, each with the reasons it cannot enter its final table.

    The rules are not written here or in the model: they are read from the final model's
    contract (its yml), so the contract is the one place a reviewer looks:
      cast_failed      a raw value that did not fit its type (from staging's _cast_errors)
      required_null    NULL in a NOT NULL or primary-key column
      too_long         text longer than varchar(n) / char(n)
      out_of_range     a number too big for numeric(p, s), integer or smallint
      check_failed     a CHECK constraint's expression is false
      orphan_fk        a foreign key value with no parent row in the source
      parent_rejected  the parent row exists but was itself rejected
      duplicate_key    a later repeat of a PRIMARY KEY / UNIQUE value (the row with the
                       lowest key among the otherwise accepted rows keeps the value)
    Parents are read from their own checked model, `int_<parent final model>_checked`,
    which the calling model names in a `-- depends_on:` comment. -#}
{% macro checked_rows(final_model, staged) -%}
{%- if not execute -%}
select * from {{ staged }}
{%- else -%}
{%- set rules = contract_rules(final_model) -%}
{%- set staged_columns = adapter.get_columns_in_relation(staged)
        | map(attribute='name') | reject('in', ['_cast_errors']) | list -%}
with

staged as (
    select * from {{ staged }}
),

value_checks as (
    select
        staged.*,
        coalesce(staged._cast_errors, '{}'::text[]) || array_remove(array[
            {%- for column in rules.required %}
            case when staged.{{ adapter.quote(column) }} is null then 'required_null: {{ column }}' end,
            {%- endfor %}
            {%- for column, length in rules.lengths %}
            case when char_length(staged.{{ adapter.quote(column) }}) > {{ length }}
                then 'too_long: {{ column }} (' || char_length(staged.{{ adapter.quote(column) }}) || ' > {{ length }})' end,
            {%- endfor %}
            {%- for column, outside in rules.ranges %}
            case when {{ outside | replace('{column}', 'staged.' ~ adapter.quote(column)) }}
                then 'out_of_range: {{ column }}=' || staged.{{ adapter.quote(column) }} end,
            {%- endfor %}
            {%- for name, expression in rules.checks %}
            case when ({{ expression }}) is false then 'check_failed: {{ name }}' end,
            {%- endfor %}
            null
        ]::text[], null) as _value_reasons
    from staged
),
{%- for fk in rules.foreign_keys %}

parent_{{ loop.index }} as (
    {%- if fk.get('self') %}
    {#- The parent is a row of this same table: accepted when its own values pass. #}
    select {{ quoted_columns(fk.to_columns) }},
        bool_or(cardinality(_value_reasons) = 0) as _is_accepted
    from value_checks
    {%- else %}
    select {{ quoted_columns(fk.to_columns) }}, bool_or(_is_accepted) as _is_accepted
    from {{ ref('int_' ~ fk.parent ~ '_checked') }}
    {%- endif %}
    group by {{ quoted_columns(fk.to_columns) }}
),
{%- endfor %}

row_checks as (
    select
        value_checks.*,
        value_checks._value_reasons || array_remove(array[
            {%- for fk in rules.foreign_keys %}
            {%- set present -%}
                {%- for column in fk.columns %}value_checks.{{ adapter.quote(column) }} is not null{{ " and " if not loop.last }}{% endfor -%}
            {%- endset %}
            {%- set shown -%}
                {%- for column in fk.columns %}'{{ column }}=' || value_checks.{{ adapter.quote(column) }}{{ " || ', ' || " if not loop.last }}{% endfor -%}
            {%- endset %}
            case
                when {{ present }} and parent_{{ loop.index }}._is_accepted is null
                    then 'orphan_fk: {{ fk.name }} (' || {{ shown }} || ')'
                when {{ present }} and not parent_{{ loop.index }}._is_accepted
                    then 'parent_rejected: {{ fk.name }} (' || {{ shown }} || ')'
            end,
            {%- endfor %}
            null
        ]::text[], null) as _row_reasons
    from value_checks
    {%- for fk in rules.foreign_keys %}
    {%- set parent = "parent_" ~ loop.index %}
    left join {{ parent }}
        on {% for column in fk.columns -%}
            {{ parent }}.{{ adapter.quote(fk.to_columns[loop.index0]) }} = value_checks.{{ adapter.quote(column) }}{{ " and " if not loop.last }}
        {%- endfor %}
    {%- endfor %}
),

ranked as (
    select
        row_checks.*
        {%- for key in rules.unique_keys %},
        case when cardinality(row_checks._row_reasons) = 0
            and {% for column in key.columns %}row_checks.{{ adapter.quote(column) }} is not null{{ " and " if not loop.last }}{% endfor %}
            then row_number() over (
                partition by cardinality(row_checks._row_reasons) = 0, {{ quoted_columns(key.columns) }}
                order by {{ rules.order_by }}
            )
        end as _rank_{{ loop.index }}
        {%- endfor %}
    from row_checks
),

decided as (
    select
        {%- for column in staged_columns %}
        {{ adapter.quote(column) }},
        {%- else %}
        {#- Only when compiling before staging was ever built (e.g. sqlfluff on an empty
            database): the columns are not known yet, and the SQL is never run. #}
        ranked.*,
        {%- endfor %}
        _row_reasons || array_remove(array[
            {%- for key in rules.unique_keys %}
            case when _rank_{{ loop.index }} > 1 then 'duplicate_key: {{ key.name }} ('
                {%- for column in key.columns %} || '{{ column }}=' || {{ adapter.quote(column) }}{{ " || ', '" if not loop.last }}{% endfor %} || ')' end,
            {%- endfor %}
            null
        ]::text[], null) as _reject_reasons
    from ranked
)

select
    decided.*,
    cardinality(decided._reject_reasons) = 0 as _is_accepted
from decided
{%- endif -%}
{%- endmacro %}
