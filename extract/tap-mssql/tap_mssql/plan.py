"""Per table: each column's mapping, the SELECT, the stream schema and its annotations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tap_mssql.catalog import Column, Table, quote_name
from tap_mssql.errors import UnsupportedDataError
from tap_mssql.types import ColumnMapping, map_column

SOURCE_ALIAS = "[src]"


@dataclass(frozen=True)
class ColumnPlan:
    """A column and how it is read; ``problem`` when it cannot be read faithfully."""

    column: Column
    mapping: ColumnMapping | None
    problem: str | None = None

    @property
    def name(self) -> str:
        """The column name (the record key)."""
        return self.column.name


@dataclass
class TablePlan:
    """How one table is read and described."""

    table: Table
    columns: list[ColumnPlan]
    variant_base_types: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        """One message per column that cannot be copied."""
        return [c.problem for c in self.columns if c.problem]

    @property
    def key_properties(self) -> list[str]:
        """The primary key (else a NOT NULL unique key), in key order."""
        return list(self.table.key_properties)

    @property
    def order_by(self) -> list[str]:
        """Read order: the key columns (unordered without a key)."""
        return self.key_properties

    def select_sql(self) -> str:
        """``SELECT <expressions> FROM [schema].[table] AS [src] ORDER BY <key>``."""
        parts = []
        for plan in self.columns:
            assert plan.mapping is not None, plan.problem
            expression = plan.mapping.select_sql
            alias = quote_name(plan.name)
            parts.append(expression if expression == alias else f"{expression} AS {alias}")
        # ORDER BY names the table's columns: a bare name would sort by the select
        # list's text alias of the same name (datetime2 read as text, say).
        sql = f"SELECT {', '.join(parts)} FROM {self.table.sql_name} AS {SOURCE_ALIAS}"
        if self.order_by:
            sql += " ORDER BY " + ", ".join(
                f"{SOURCE_ALIAS}.{quote_name(c)}" for c in self.order_by
            )
        return sql

    def count_sql(self) -> str:
        """``SELECT COUNT_BIG(*) FROM [schema].[table]``."""
        return f"SELECT COUNT_BIG(*) FROM {self.table.sql_name}"

    def schema(self) -> dict[str, Any]:
        """The stream's JSON schema, with ``x-mssql-*`` annotations for a scaffolder."""
        table = self.table
        properties = {}
        for plan in self.columns:
            if plan.mapping is None:
                properties[plan.name] = {
                    "type": ["string", "null"],
                    "x-mssql-type": plan.column.declared,
                    "x-mssql-unsupported": plan.problem,
                }
                continue
            prop = plan.mapping.property_schema(plan.column)
            if plan.name in self.variant_base_types:
                prop["x-mssql-variant-base-types"] = self.variant_base_types[plan.name]
            properties[plan.name] = prop
        return {
            "type": "object",
            "properties": properties,
            "x-mssql-schema": table.schema,
            "x-mssql-table": table.name,
            "x-mssql-primary-key": list(table.primary_key),
            "x-mssql-primary-key-name": table.primary_key_name,
            "x-mssql-unique": [u.as_dict() for u in table.unique_keys],
            "x-mssql-foreign-keys": [fk.as_dict() for fk in table.foreign_keys],
            "x-mssql-identity": table.identity.as_dict() if table.identity else None,
        }


def plan_table(table: Table) -> TablePlan:
    """Map every column of ``table``; unsupported ones carry their problem."""
    columns = []
    for column in table.columns:
        try:
            columns.append(ColumnPlan(column, map_column(column, table=table.qualified)))
        except UnsupportedDataError as exc:
            columns.append(ColumnPlan(column, None, str(exc)))
    return TablePlan(table, columns)
