{#- A final table of time-series rows, built by the same model on any target:

    - where TimescaleDB is installed, a hypertable on `time_column` with the compression
      policy of `meta.time_series` (compress_after, compress_segmentby) and its continuous
      aggregate (meta.time_series.continuous_aggregate: name, bucket, select, group_by);
    - elsewhere, native declarative range partitioning by month: one partition per month
      from the first row's month to `months_ahead` months past the last one, and a DEFAULT
      partition so that no later insert is ever refused.

    The contract is enforced as for any table (same column check, same constraints: a
    primary key must include `time_column`, as both PostgreSQL and TimescaleDB require);
    the pre- and post-hooks of final tables run as usual. Which path ran is written as the
    table's storage into cutover_audit by the gate (`cutover.objects.time_series`). -#}
{% materialization time_series, adapter='postgres' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set settings = config.get('meta', {}).get('time_series', {}) -%}
    {%- set time_column = settings.get('column') -%}
    {%- if not time_column -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": meta.time_series.column is required") }}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set timescale = run_query("select count(*) from pg_extension where extname = 'timescaledb'").columns[0].values()[0] > 0 -%}
    {% call statement('main') -%}
        {{ time_series_create(target_relation, sql, time_column, settings, timescale) }}
    {%- endcall %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{% macro time_series_create(relation, sql, time_column, settings, timescale) -%}
    {%- set column = adapter.quote(time_column) -%}
    create table {{ relation }}
    {{ get_assert_columns_equivalent(sql) }}
    {{ get_table_columns_and_constraints() }}
    {%- if not timescale %} partition by range ({{ column }}){% endif %};

    {%- if timescale %}
    select create_hypertable({{ dbt.string_literal(relation | string) }}, {{ dbt.string_literal(time_column) }},
        chunk_time_interval => interval {{ dbt.string_literal(settings.get('chunk_interval', '1 month')) }});
    {%- else %}
    {{ time_series_partitions(relation, sql, column, settings.get('months_ahead', 3)) }}
    {%- endif %}

    insert into {{ relation }} ({{ adapter.dispatch('get_column_names', 'dbt')() }})
    {{ get_select_subquery(sql) }};

    {%- if timescale %}
    {{ time_series_timescale_policies(relation, settings) }}
    {%- endif %}
{%- endmacro %}


{% macro time_series_partitions(relation, sql, column, months_ahead) -%}
    {%- set bounds = run_query(
        "select to_char(date_trunc('month', min(" ~ column ~ ") at time zone 'UTC'), 'YYYY-MM-DD'),"
        ~ " to_char(date_trunc('month', max(" ~ column ~ ") at time zone 'UTC'), 'YYYY-MM-DD')"
        ~ " from (" ~ sql ~ ") as rows_in"
    ) -%}
    {%- set first = bounds.columns[0].values()[0] -%}
    {%- set last = bounds.columns[1].values()[0] -%}
    create table {{ relation.incorporate(path={"identifier": relation.identifier ~ "_default"}) }}
        partition of {{ relation }} default;
    {%- if first is not none %}
    do $partitions$
    declare
        month date := {{ dbt.string_literal(first) }}::date;
    begin
        while month <= ({{ dbt.string_literal(last) }}::date + interval '{{ months_ahead }} months') loop
            execute format(
                'create table %I.%I partition of %s for values from (%L) to (%L)',
                {{ dbt.string_literal(relation.schema) }},
                {{ dbt.string_literal(relation.identifier) }} || '_p' || to_char(month, 'YYYY_MM'),
                {{ dbt.string_literal(relation | string) }},
                (month::timestamp at time zone 'UTC'),
                ((month + interval '1 month')::timestamp at time zone 'UTC')
            );
            month := month + interval '1 month';
        end loop;
    end
    $partitions$;
    {%- endif %}
{%- endmacro %}


{% macro time_series_timescale_policies(relation, settings) -%}
    {%- if settings.get('compress_after') %}
    alter table {{ relation }} set (timescaledb.compress
        {%- if settings.get('compress_segmentby') %}, timescaledb.compress_segmentby = {{ dbt.string_literal(settings.compress_segmentby | join(', ')) }}{% endif %});
    select add_compression_policy({{ dbt.string_literal(relation | string) }},
        interval {{ dbt.string_literal(settings.compress_after) }}, if_not_exists => true);
    {%- endif %}
    {%- set aggregate = settings.get('continuous_aggregate') %}
    {%- if aggregate %}
    {%- set view = relation.incorporate(path={"identifier": aggregate.name}) %}
    drop materialized view if exists {{ view }} cascade;
    create materialized view {{ view }} with (timescaledb.continuous) as
    select time_bucket(interval {{ dbt.string_literal(aggregate.bucket) }}, {{ adapter.quote(settings.column) }}) as {{ adapter.quote(aggregate.get('bucket_column', 'bucket')) }},
        {{ aggregate.select }}
    from {{ relation }}
    {%- if aggregate.get('where') %}
    where {{ aggregate.where }}
    {%- endif %}
    group by 1{% if aggregate.get('group_by') %}, {{ aggregate.group_by }}{% endif %}
    with no data;
    {%- endif %}
{%- endmacro %}
