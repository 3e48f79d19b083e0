{#- Every row that did not enter its final table, with the key it had in the source, every
    reason, and the raw row as loaded (Singer metadata columns dropped). One call per
    system, listing its tables: {table, checked: ref(...), raw: source(...), key: [...]}. -#}
{% macro rejected_rows(tables) -%}
{%- for table in tables %}
select
    '{{ table.table }}'::text as source_table,
    checked._source_key as source_key,
    checked._reject_reasons[1] as reason,
    checked._reject_reasons as reasons,
    to_jsonb(raw) - array[
        '_sdc_extracted_at', '_sdc_received_at', '_sdc_batched_at', '_sdc_deleted_at',
        '_sdc_sequence', '_sdc_table_version', '_sdc_sync_started_at'
    ] as source_row,
    now() as rejected_at
from {{ table.checked }} as checked
left join {{ table.raw }} as raw
    on {{ source_key(table.key, 'raw') }} = checked._source_key
    and raw._sdc_deleted_at is null
where not checked._is_accepted
{%- if not loop.last %}

union all
{%- endif %}
{%- endfor %}
{%- endmacro %}

{#- The source's own key of a row, as jsonb, from the raw (uncast) values. -#}
{% macro source_key(columns, relation_alias=none) -%}
    jsonb_build_object(
        {%- for column in columns -%}
        '{{ column }}', {{ relation_alias ~ '.' if relation_alias }}{{ adapter.quote(column) }}{{ ", " if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}
