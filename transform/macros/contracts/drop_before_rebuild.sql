{#- Pre-hook of every final table. dbt builds `<table>__dbt_tmp` next to the old table, so
    named PK/UNIQUE constraints and named indexes would collide with the old table's. The
    old table is dropped first, inside the model's transaction (a failed build rolls the
    drop back). CASCADE drops the children's foreign keys; restore_foreign_keys() puts them
    back at the end of the run. -#}
{% macro drop_before_rebuild() -%}
    {%- if execute and load_cached_relation(this) is not none -%}
        {%- do adapter.cache_dropped(this) -%}
        drop table if exists {{ this }} cascade
    {%- endif -%}
{%- endmacro %}
