"""What each migrated table promises, read from dbt's manifest (transform/target/manifest.json).

The suites are derived from these contracts, so GX checks in the database, independently
of dbt, exactly what the final tables claim: every row accounted for, FKs, NOT NULLs and
unique keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cutover.errors import CutoverError

PROJECT = "cutover"
_REF = re.compile(r"""^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$""")


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str

    @property
    def sql(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}"


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    parent: Relation
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class FinalTable:
    system: str
    model: str
    relation: Relation
    raw: Relation
    columns: tuple[str, ...]
    not_null: tuple[str, ...]
    unique_keys: tuple[tuple[str, ...], ...]
    foreign_keys: tuple[ForeignKey, ...]
    data_types: tuple[tuple[str, str], ...] = ()  # (column, contract data_type)
    column_meta: tuple[tuple[str, str], ...] = ()  # (column, meta.fingerprint) where set
    primary_key: tuple[str, ...] = ()
    app_schema: str = ""  # where `cutover switch` puts the table
    named_indexes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # meta.named_indexes
    identity: str | None = None  # meta.identity.column
    checks: tuple[str, ...] = ()  # names of the contract's CHECK constraints
    renamed: tuple[tuple[str, str], ...] = ()  # (final column, source column) where they differ

    @property
    def source_table(self) -> str:
        """The table's name in the source (= its raw table: the loader keeps names)."""
        return self.raw.name

    def source_column(self, column: str) -> str:
        return dict(self.renamed).get(column, column)

    def final_column(self, source_column: str) -> str:
        return {s: f for f, s in self.renamed}.get(source_column, source_column)

    @property
    def table(self) -> str:
        """The source table's name, which is also the final table's name."""
        return self.relation.name


@dataclass(frozen=True)
class SystemContracts:
    system: str
    tables: tuple[FinalTable, ...]
    rejects: Relation
    source_audit: Relation


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def load_manifest(path: Path) -> dict[str, object]:
    if not path.is_file():
        raise CutoverError(
            f"{path} not found: run dbt first (`meltano invoke dbt parse` or the migrate job)"
        )
    return json.loads(path.read_text())


def systems_in(manifest: dict[str, object]) -> list[str]:
    """Systems are the tags of final (contracted) models under models/marts/."""
    found: set[str] = set()
    for node in _final_nodes(manifest):
        found.update(node["tags"])
    return sorted(found)


def bare_columns(columns: Iterable[str]) -> tuple[str, ...]:
    """Column names of a model-level constraint, which dbt keeps as SQL: a reserved word is
    written quoted in the yml ('"offset"'); the contracts use the bare name."""
    return tuple(
        c[1:-1].replace('""', '"') if len(c) > 1 and c[0] == c[-1] == '"' else c for c in columns
    )


def read_contracts(manifest: dict[str, object], system: str) -> SystemContracts:
    nodes: dict[str, dict] = manifest["nodes"]  # type: ignore[assignment]
    by_name = {n["name"]: n for n in nodes.values() if n["resource_type"] == "model"}
    sources: dict[str, dict] = manifest["sources"]  # type: ignore[assignment]

    def source(table: str) -> Relation:
        node = sources.get(f"source.{PROJECT}.{system}.{table}")
        if node is None:
            raise CutoverError(f"dbt source {system}.{table} is not declared")
        return Relation(node["schema"], node["identifier"])

    def relation_of(model: str) -> Relation:
        node = by_name.get(model)
        if node is None:
            raise CutoverError(f"dbt model {model} not found")
        return Relation(node["schema"], node["alias"])

    tables = []
    for node in _final_nodes(manifest):
        if system not in node["tags"]:
            continue
        relation = Relation(node["schema"], node["alias"])
        columns = tuple(node["columns"])
        not_null = [
            name
            for name, column in node["columns"].items()
            if any(c["type"] in ("not_null", "primary_key") for c in column["constraints"])
        ]
        unique_keys: list[tuple[str, ...]] = []
        foreign_keys: list[ForeignKey] = []
        primary_key: tuple[str, ...] = ()
        for constraint in node["constraints"]:
            key = bare_columns(constraint.get("columns") or ())
            if constraint["type"] in ("primary_key", "unique"):
                unique_keys.append(key)
                if constraint["type"] == "primary_key":
                    primary_key = key
                    not_null.extend(c for c in key if c not in not_null)
            elif constraint["type"] == "foreign_key":
                foreign_keys.append(
                    ForeignKey(
                        name=constraint["name"],
                        columns=key,
                        parent=_fk_target(constraint, node["name"], by_name),
                        parent_columns=bare_columns(constraint["to_columns"]),
                    )
                )
        for fk in node["config"].get("meta", {}).get("self_foreign_keys", []):
            foreign_keys.append(
                ForeignKey(
                    name=fk["name"],
                    columns=tuple(fk["columns"]),
                    parent=relation,
                    parent_columns=tuple(fk["to_columns"]),
                )
            )
        tables.append(
            FinalTable(
                system=system,
                model=node["name"],
                relation=relation,
                raw=source(relation.name),
                columns=columns,
                not_null=tuple(not_null),
                unique_keys=tuple(unique_keys),
                foreign_keys=tuple(foreign_keys),
                data_types=tuple(
                    (name, column.get("data_type") or "")
                    for name, column in node["columns"].items()
                ),
                column_meta=tuple(
                    (name, str(_column_meta(column)["fingerprint"]))
                    for name, column in node["columns"].items()
                    if "fingerprint" in _column_meta(column)
                ),
                primary_key=primary_key,
                app_schema=_app_schema(node),
                named_indexes=tuple(
                    (index["name"], tuple(index["columns"]))
                    for index in node["config"].get("meta", {}).get("named_indexes", [])
                ),
                identity=(node["config"].get("meta", {}).get("identity") or {}).get("column"),
                checks=tuple(c["name"] for c in node["constraints"] if c["type"] == "check"),
                renamed=tuple(
                    (name, str(_column_meta(column)["source_column"]))
                    for name, column in node["columns"].items()
                    if _column_meta(column).get("source_column", name) != name
                ),
            )
        )
    if not tables:
        raise CutoverError(f"no final models tagged {system!r} in the dbt manifest")
    return SystemContracts(
        system=system,
        tables=tuple(sorted(tables, key=lambda t: t.model)),
        rejects=relation_of(f"{system}_audit__rejects"),
        source_audit=source("_source_audit"),
    )


def _column_meta(column: dict) -> dict:
    return {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}


def _app_schema(node: dict) -> str:
    """The application's schema: meta.app_schema, else the build schema without `_next`."""
    meta = node["config"].get("meta", {})
    schema = node["schema"]
    return meta.get("app_schema") or (
        schema[: -len("_next")] if schema.endswith("_next") else schema
    )


def _fk_target(constraint: dict, model: str, by_name: dict[str, dict]) -> Relation:
    """An FK's parent: `to` is "ref('<model>')" as written, or the relation dbt rendered
    ("db"."schema"."alias") when the manifest comes from a run that compiled the model."""
    target = constraint.get("to") or ""
    match = _REF.match(target)
    if match and match.group(1) in by_name:
        parent = by_name[match.group(1)]
        return Relation(parent["schema"], parent["alias"])
    for parent in by_name.values():
        names = (parent["database"], parent["schema"], parent["alias"])
        if target in (".".join(map(quote, names)), ".".join(map(quote, names[1:]))):
            return Relation(parent["schema"], parent["alias"])
    raise CutoverError(
        f"{model}: foreign key {constraint['name']} points at {target!r}, "
        "which is not a model of this project (use to: ref('<model>'))"
    )


def _final_nodes(manifest: dict[str, object]) -> list[dict]:
    nodes: dict[str, dict] = manifest["nodes"]  # type: ignore[assignment]
    return [
        node
        for node in nodes.values()
        if node["resource_type"] == "model"
        and node["config"].get("contract", {}).get("enforced")
        and Path(node["original_file_path"]).parts[:2] == ("models", "marts")
    ]
