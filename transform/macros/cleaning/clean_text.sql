{#- Codes, names and other short text: surrounding whitespace (spaces, tabs, newlines)
    removed; blank becomes NULL, so a required column that was only blanks is rejected as
    missing. Free text (notes, addresses with line breaks) is not passed through this. -#}
{% macro clean_text(column) -%}
    nullif(btrim({{ column }}::text, e' \t\r\n'), '')
{%- endmacro %}

{#- Text in a NOT NULL column whose application stores blanks on purpose (Django's
    CharField(blank=True) saves ''): surrounding whitespace removed, blank kept as ''. -#}
{% macro trim_text(column) -%}
    btrim({{ column }}::text, e' \t\r\n')
{%- endmacro %}
