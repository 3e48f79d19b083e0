"""The GX file context in expectations/gx: datasource, assets, suites, checkpoints.

Nothing secret is stored: the datasource's connection string is `${GX_POSTGRES_URL}`,
which GX substitutes at run time from the environment this module sets from PG_*.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cutover.gx.contracts import Relation, SystemContracts
from cutover.gx.suites import (
    GATE_CHECKS,
    GENERATED_BY,
    expectations_for,
    objects_expectations,
    suite_name,
)
from cutover.settings import TargetSettings

DATASOURCE = "warehouse"
CONNECTION_VARIABLE = "GX_POSTGRES_URL"
BATCH_DEFINITION = "whole_table"
DOCS_SITE = "local_site"


@dataclass(frozen=True)
class SyncReport:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]


def open_context(context_dir: Path, target: TargetSettings) -> object:
    """The file Data Context under context_dir/gx, with PostgreSQL credentials in env only."""
    import great_expectations as gx
    import pgvector.sqlalchemy  # noqa: F401  (registers `vector` for table reflection)

    os.environ[CONNECTION_VARIABLE] = target.conninfo().replace(
        "postgresql://", "postgresql+psycopg2://", 1
    )
    context_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(context_dir))
    _ensure_datasource(context)
    return context


def _ensure_datasource(context: object) -> None:
    existing = {ds.name for ds in context.data_sources.all().values()}  # type: ignore[attr-defined]
    if DATASOURCE not in existing:
        context.data_sources.add_postgres(  # type: ignore[attr-defined]
            name=DATASOURCE, connection_string="${" + CONNECTION_VARIABLE + "}"
        )


def sync_system(context: object, contracts: SystemContracts) -> SyncReport:
    """Make suites, assets, validation definitions and the checkpoint match the contracts.

    Suites whose expectations did not change are not rewritten, so their JSON (and the
    ids GX gives expectations) only changes in a pull request when a contract changed.
    """
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.expectation_suite import ExpectationSuite

    written: list[str] = []
    unchanged: list[str] = []
    definitions = []
    plans = [
        (suite_name(t), expectations_for(t, contracts), {"dbt_model": t.model}, t.relation)
        for t in contracts.tables
    ]
    plans.append(
        (
            f"{contracts.system}__objects",
            objects_expectations(contracts),
            {"checks": "object parity and sequences, recorded by `cutover gate`"},
            GATE_CHECKS,
        )
    )
    for name, specs, meta, relation in plans:
        stored = _stored_suite(context, name)
        configs = [spec.as_config() for spec in specs]
        _keep_ids(stored, configs)
        wanted = ExpectationSuite(
            name=name, expectations=configs, meta={"generated_by": GENERATED_BY, **meta}
        )
        if stored is not None and _same_suite(stored, wanted):
            unchanged.append(name)
            suite = stored
        else:
            suite = context.suites.add_or_update(wanted)  # type: ignore[attr-defined]
            written.append(name)
        batch = _batch_definition(context, name, relation)
        definitions.append(
            context.validation_definitions.add_or_update(  # type: ignore[attr-defined]
                gx.ValidationDefinition(name=name, data=batch, suite=suite)
            )
        )
    context.checkpoints.add_or_update(  # type: ignore[attr-defined]
        gx.Checkpoint(
            name=contracts.system,
            validation_definitions=definitions,
            actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])],
            result_format={"result_format": "COMPLETE", "partial_unexpected_count": 20},
        )
    )
    return SyncReport(tuple(written), tuple(unchanged))


def _stored_suite(context: object, name: str) -> object | None:
    try:
        return context.suites.get(name)  # type: ignore[attr-defined]
    except Exception:  # GX raises its own DataContextError subclasses for a missing suite
        return None


def _keep_ids(stored: object | None, configs: list[dict]) -> None:
    """Give unchanged expectations the id they already have, so diffs show real changes."""
    if stored is None:
        return
    known = {
        (e.expectation_type, json.dumps(e.configuration.kwargs, sort_keys=True, default=str)): e.id
        for e in stored.expectations  # type: ignore[attr-defined]
    }
    for config in configs:
        key = (config["type"], json.dumps(config["kwargs"], sort_keys=True, default=str))
        if key in known:
            config["id"] = known[key]


def _same_suite(stored: object, wanted: object) -> bool:
    def configs(suite: object) -> list[dict]:
        return [e.configuration.to_json_dict() for e in suite.expectations]  # type: ignore[attr-defined]

    return configs(stored) == configs(wanted) and stored.meta == wanted.meta  # type: ignore[attr-defined]


def _batch_definition(context: object, asset_name: str, relation: Relation) -> object:
    datasource = context.data_sources.get(DATASOURCE)  # type: ignore[attr-defined]
    try:
        asset = datasource.get_asset(asset_name)
    except LookupError:
        asset = None
    if asset is not None and (asset.table_name, asset.schema_name) != (
        relation.name,
        relation.schema,
    ):
        datasource.delete_asset(asset_name)
        asset = None
    if asset is None:
        asset = datasource.add_table_asset(
            name=asset_name, table_name=relation.name, schema_name=relation.schema
        )
    try:
        return asset.get_batch_definition(BATCH_DEFINITION)
    except (KeyError, LookupError, ValueError):
        return asset.add_batch_definition_whole_table(BATCH_DEFINITION)


def docs_index(context_dir: Path) -> Path:
    return context_dir / "gx" / "uncommitted" / "data_docs" / DOCS_SITE / "index.html"
