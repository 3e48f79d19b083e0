{#- True when `text_expr` is valid input for `data_type`, without raising.
    PostgreSQL 16+ has pg_input_is_valid; older servers use a helper function that
    on-run-start does not need to create, because we test the version at compile time. -#}
{% macro is_valid_input(text_expr, data_type) -%}
    {%- if server_version_num() >= 160000 -%}
        pg_input_is_valid({{ text_expr }}, '{{ data_type }}')
    {%- else -%}
        {{ target.schema }}_util.is_valid_input({{ text_expr }}, '{{ data_type }}')
    {%- endif -%}
{%- endmacro %}

{% macro server_version_num() -%}
    {%- if not execute -%}
        {{ return(999999) }}
    {%- endif -%}
    {%- set result = run_query("select current_setting('server_version_num')::int") -%}
    {{ return(result.columns[0].values()[0]) }}
{%- endmacro %}

{#- For PostgreSQL 13-15 only (see is_valid_input). -#}
{% macro create_is_valid_input_function() -%}
    {%- if server_version_num() < 160000 -%}
    create schema if not exists {{ target.schema }}_util;
    create or replace function {{ target.schema }}_util.is_valid_input(value text, type_name text)
    returns boolean language plpgsql stable as $fn$
    begin
        execute format('select %L::%s', value, type_name);
        return true;
    exception when others then
        return false;
    end
    $fn$;
    {%- endif -%}
{%- endmacro %}
