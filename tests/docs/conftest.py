"""Fixtures: a real GX 1.24.1 Data Docs site (sqlite, no server) and the pinned node_modules."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSETS_DIR = REPO_ROOT / "expectations" / "docs_assets"
SUITE_NAME = "cutover.customers"  # the dot nests validation pages one level deeper


def _make_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.executescript(
            """
            CREATE TABLE customers (id INTEGER NOT NULL, email TEXT);
            INSERT INTO customers VALUES (1, 'a@example.com'), (2, NULL), (3, 'c@example.com');
            """
        )
    con.close()


def _build_data_docs(root: Path) -> Path:
    import great_expectations as gx

    database = root / "source.db"
    _make_sqlite(database)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    source = context.data_sources.add_sqlite(
        name="cutover_db", connection_string=f"sqlite:///{database}"
    )
    batch = source.add_table_asset(
        name="customers", table_name="customers"
    ).add_batch_definition_whole_table("all_rows")
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    suite.add_expectation(gx.expectations.ExpectTableRowCountToBeBetween(min_value=1, max_value=10))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="email"))  # fails
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="customers_validation", data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="cutover_checkpoint",
            validation_definitions=[validation],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
        )
    )
    result = checkpoint.run()
    assert result.success is False, "the suite is built to have one failing expectation"
    site = root / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert (site / "index.html").is_file()
    return site


@pytest.fixture(scope="session")
def pristine_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A GX-built site, untouched; tests must copy it (see `site_dir`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GX_ANALYTICS_ENABLED", "false")
        yield _build_data_docs(tmp_path_factory.mktemp("gx_project"))


@pytest.fixture
def site_dir(pristine_site: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(pristine_site, copy)
    return copy


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    return ASSETS_DIR


@pytest.fixture(scope="session")
def node_modules(assets_dir: Path) -> Path:
    from cutover.docs_offline import ensure_node_modules

    return ensure_node_modules(assets_dir)
