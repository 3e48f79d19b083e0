{#- Schemas are named for what they hold (raw_coldchain, stg_coldchain, coldchain,
    coldchain_audit), not prefixed with the target schema: the final schema is the one the
    application reads after cutover. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
