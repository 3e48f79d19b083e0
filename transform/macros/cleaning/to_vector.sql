{#- A JSON array of numbers (text, e.g. an Access Memo holding an embedding) as a pgvector
    `vector(dimensions)`, or NULL when it is not exactly that: pgvector's own input raises
    instead of failing softly, so the array is checked as jsonb first (length, numbers
    only, each within float4's range and not underflowing to 0). Each element is then read
    straight from the array's own text as real (correctly rounded, as pgvector reads it),
    not through jsonb, whose numeric has no negative zero (`-0` would become `0`). -#}
{% macro to_vector(column, dimensions, casts) -%}
    {%- set doc = "(btrim(" ~ column ~ "::text))::jsonb" -%}
    {%- set expression -%}
        case when {{ is_valid_input("btrim(" ~ column ~ "::text)", 'jsonb') }}
            and jsonb_typeof({{ doc }}) = 'array'
            and jsonb_array_length({{ doc }}) = {{ dimensions }}
            and not jsonb_path_exists({{ doc }},
                '$[*] ? (@.type() != "number" || @ > 3.4028235e38 || @ < -3.4028235e38 || (@ != 0 && @ < 7.006493e-46 && @ > -7.006493e-46))')
        then translate(btrim({{ column }}::text), '[]', '{}')::real[]::vector({{ dimensions }})
        end
    {%- endset -%}
    {%- do casts.append({"column": column, "expression": expression}) -%}
    {{ expression }}
{%- endmacro %}
