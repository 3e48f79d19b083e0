{#- What a final model's contract demands of each row, in a form checked_rows() can render.
    Final models are found by name in the graph; FK targets are final models too, written
    in the yml as `to: ref('<final model>')`. -#}
{% macro contract_rules(final_model) -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ final_model) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("checked_rows: no model named " ~ final_model) }}
    {%- endif -%}
    {%- set rules = {'required': [], 'lengths': [], 'ranges': [], 'checks': [],
                     'foreign_keys': [], 'unique_keys': [], 'primary_key': []} -%}
    {%- for column in node.columns.values() -%}
        {%- set data_type = (column.data_type or '') | lower | trim -%}
        {%- for constraint in column.constraints -%}
            {%- if constraint.type in ('not_null', 'primary_key') -%}
                {%- do rules.required.append(column.name) -%}
            {%- elif constraint.type == 'check' -%}
                {%- do rules.checks.append((constraint.name or ('ck_' ~ column.name), constraint.expression)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set length = modules.re.match('^(?:varchar|character varying|char|character)\\s*\\((\\d+)\\)$', data_type) -%}
        {%- set numeric = modules.re.match('^(?:numeric|decimal)\\s*\\((\\d+)\\s*,\\s*(\\d+)\\)$', data_type) -%}
        {%- if length -%}
            {%- do rules.lengths.append((column.name, length.group(1))) -%}
        {%- elif numeric -%}
            {%- set scale = numeric.group(2) | int -%}
            {%- set digits = (numeric.group(1) | int) - scale -%}
            {%- do rules.ranges.append((column.name,
                "abs(round({column}::numeric, " ~ scale ~ ")) >= 1e" ~ digits)) -%}
        {%- elif data_type in ('integer', 'int', 'int4') -%}
            {%- do rules.ranges.append((column.name, "{column} not between -2147483648 and 2147483647")) -%}
        {%- elif data_type in ('smallint', 'int2') -%}
            {%- do rules.ranges.append((column.name, "{column} not between -32768 and 32767")) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for constraint in node.constraints -%}
        {%- set columns = bare_columns(constraint.columns) -%}
        {%- if constraint.type == 'primary_key' -%}
            {%- do rules.primary_key.extend(columns) -%}
            {%- for column in columns if column not in rules.required -%}
                {%- do rules.required.append(column) -%}
            {%- endfor -%}
            {%- do rules.unique_keys.append({'name': constraint.name, 'columns': columns}) -%}
        {%- elif constraint.type == 'unique' -%}
            {%- do rules.unique_keys.append({'name': constraint.name, 'columns': columns}) -%}
        {%- elif constraint.type == 'check' -%}
            {%- do rules.checks.append((constraint.name, constraint.expression)) -%}
        {%- elif constraint.type == 'foreign_key' -%}
            {%- do rules.foreign_keys.append({
                'name': constraint.name, 'columns': columns,
                'to_columns': bare_columns(constraint.to_columns), 'parent': final_model_of(constraint.to)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- A table referencing itself (employee.reports_to): dbt cannot ref a model from its own
        contract, so such FKs are in meta.self_foreign_keys; finish_final_table adds them. -#}
    {%- for fk in node.config.get('meta', {}).get('self_foreign_keys', []) -%}
        {%- do rules.foreign_keys.append({
            'name': fk.name, 'columns': fk.columns, 'to_columns': fk.to_columns,
            'parent': node.name, 'self': true}) -%}
    {%- endfor -%}
    {%- do rules.update({'order_by': quoted_columns(rules.primary_key) or '_source_key::text'}) -%}
    {{ return(rules) }}
{%- endmacro %}

{#- The final model an FK's `to` names. The graph holds `to` as written in the yml,
    "ref('<model>')", until dbt compiles the node in this run; then it holds the rendered
    relation ("db"."schema"."alias"). Both are accepted. -#}
{% macro final_model_of(target) -%}
    {%- set match = modules.re.match("^\\s*ref\\(\\s*['\"]([^'\"]+)['\"]\\s*\\)\\s*$", target or '') -%}
    {%- if match and graph.nodes.get('model.' ~ project_name ~ '.' ~ match.group(1)) is not none -%}
        {{ return(match.group(1)) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if (target | string) in [relation | string, relation.include(database=false) | string] -%}
            {{ return(node.name) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("foreign key target " ~ target ~ " must be ref('<a final model of this project>')") }}
{%- endmacro %}

{#- The relation (schema.alias, no database) of a model of this project, by name. -#}
{% macro model_relation(model_name) -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ model_name] -%}
    {{ return(api.Relation.create(schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{#- Model-level constraints list columns as SQL (dbt renders them verbatim), so a reserved
    word is written quoted in the yml: columns: ['"offset"']. The rules use bare names and
    quote each use (quoted_columns), so messages say `offset`, and SQL says "offset". -#}
{% macro bare_columns(columns) -%}
    {%- set bare = [] -%}
    {%- for column in columns -%}
        {%- if column.startswith('"') and column.endswith('"') and column | length > 1 -%}
            {%- do bare.append(column[1:-1] | replace('""', '"')) -%}
        {%- else -%}
            {%- do bare.append(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(bare) }}
{%- endmacro %}

{% macro quoted_columns(columns, prefix='') -%}
    {%- set quoted = [] -%}
    {%- for column in columns -%}
        {%- do quoted.append(prefix ~ adapter.quote(column)) -%}
    {%- endfor -%}
    {{ return(quoted | join(', ')) }}
{%- endmacro %}
