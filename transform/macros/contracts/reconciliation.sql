{#- One row per migrated table of `system`: where every source row ended up. The GX gate
    checks source_rows = final_rows + rejected_rows itself, from the underlying tables; a
    reconciliation model is the readable summary of the same numbers.
    `source_names` maps a final table to its source table when the names differ. -#}
{% macro reconciliation(system, tables, source_names={}) -%}
with

audit as (
    select
        table_name,
        source_row_count,
        finished_at
    from {{ source(system, '_source_audit') }}
    where _sdc_deleted_at is null
),

rejected as (
    select
        source_table as table_name,
        count(*) as rejected_rows
    from {{ ref(system ~ '_audit__rejects') }}
    group by source_table
),

counts as (
    {%- for table in tables %}
        select
            '{{ table }}' as table_name,
            '{{ source_names.get(table, table) }}' as source_name,
            (
                select count(*) from {{ source(system, table) }}
                where _sdc_deleted_at is null
            ) as raw_rows,
            (select count(*) from {{ ref(system ~ '__' ~ table) }}) as final_rows
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    counts.table_name,
    audit.source_row_count as source_rows,
    counts.raw_rows,
    counts.final_rows,
    audit.finished_at as extracted_at,
    coalesce(rejected.rejected_rows, 0) as rejected_rows,
    audit.source_row_count - counts.final_rows - coalesce(rejected.rejected_rows, 0)
        as unaccounted_rows
from counts
left join audit on counts.source_name = audit.table_name
left join rejected on counts.table_name = rejected.table_name
{%- endmacro %}
