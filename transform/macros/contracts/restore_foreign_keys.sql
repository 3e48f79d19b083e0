{#- on-run-end: every foreign key declared in a final table's contract exists in the
    database. Rebuilding a parent drops its children's FKs (see drop_before_rebuild); they
    are added back here, which also proves they still hold: if a rebuilt parent lost rows
    that children reference, the ALTER fails and names the constraint. -#}
{% macro restore_foreign_keys() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set statements = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.materialized == 'table'
        and node.config.contract.enforced -%}
        {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- if relation is not none -%}
            {%- for constraint in node.constraints if constraint.type == 'foreign_key' -%}
                {%- set exists = run_query(
                    "select 1 from pg_constraint where conrelid = "
                    ~ dbt.string_literal(relation.include(database=false) | string)
                    ~ "::regclass and conname = " ~ dbt.string_literal(constraint.name)) -%}
                {%- if exists | length == 0 -%}
                    {%- do log("restoring foreign key " ~ constraint.name ~ " on " ~ relation, info=true) -%}
                    {%- do statements.append(
                        "alter table " ~ relation.include(database=false) ~ " add constraint "
                        ~ adapter.quote(constraint.name) ~ " foreign key ("
                        ~ constraint.columns | join(', ') ~ ") references "
                        ~ model_relation(final_model_of(constraint.to)) ~ " (" ~ constraint.to_columns | join(', ') ~ ")") -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}
