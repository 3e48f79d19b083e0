"""The scaffolder on MS Access files: Northwind (nwind.mdb, Access 97 / Jet 3) is planned by
the written Access type rules, its relationships become foreign keys, and the generated
project migrates through tap-msaccess and passes the gate without any hand edit."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cutover.errors import CutoverError
from cutover.scaffold.access_plan import plan_access
from cutover.scaffold.access_types import map_access_column
from cutover.scaffold.sources import detect_kind

from tests.conftest import MELTANO, database_on, make_pipeline, shared_fixture

NWIND_ROWS = 4_032  # SOURCES.md: 9 tables; Order Details 2,155, Orders 830, Umsätze 830...


@pytest.fixture(scope="module")
def nwind() -> Path:
    return shared_fixture("access", "nwind.mdb")


@pytest.mark.parametrize(
    ("declared", "pg_type"),
    [
        ("text(50)", "varchar(50)"),
        ("text", "varchar(255)"),
        ("memo", "text"),
        ("boolean", "boolean"),
        ("byte", "smallint"),
        ("integer", "smallint"),
        ("long", "integer"),
        ("long autonumber", "integer"),
        ("bigint", "bigint"),
        ("currency", "numeric(19,4)"),
        ("numeric(18,4)", "numeric(18,4)"),
        ("float", "real"),
        ("double", "double precision"),
        ("datetime", "timestamp(3)"),
        ("datetimextended", "timestamp"),
        ("repid", "uuid"),
        ("binary(16)", "bytea"),
        ("ole", "bytea"),
        ("complex", "jsonb"),
    ],
)
def test_access_type_rules(declared: str, pg_type: str) -> None:
    mapping = map_access_column(declared, where="t.c")
    assert mapping.pg_type == pg_type
    assert mapping.identity == (declared == "long autonumber")


def test_unknown_access_type_is_a_clear_error() -> None:
    with pytest.raises(CutoverError, match=r"t\.c: Access type 'hyperlink2' has no mapping rule"):
        map_access_column("hyperlink2", where="t.c")
    with pytest.raises(CutoverError, match=r"Decimal\(0,2\) is not a valid numeric"):
        map_access_column("numeric(0,2)", where="t.c")


def test_nwind_plan(nwind: Path) -> None:
    assert detect_kind(str(nwind)).name == "msaccess"
    plan = plan_access("nwind", nwind, {})
    tables = {t.name: t for t in plan.tables}
    assert sorted(tables) == [
        "categories", "customers", "employees", "order_details", "orders", "products",
        "shippers", "suppliers", "umsätze",
    ]  # fmt: skip
    assert plan.extractor == "tap-msaccess"
    assert sum(t.row_count for t in plan.tables) == NWIND_ROWS
    # MSysRelationships -> foreign keys, with the parents planned first
    fks = {(t.name, fk.columns, fk.parent) for t in plan.tables for fk in t.foreign_keys}
    assert fks == {
        ("order_details", ("order_id",), "orders"),
        ("order_details", ("product_id",), "products"),
        ("orders", ("customer_id",), "customers"),
        ("orders", ("employee_id",), "employees"),
        ("orders", ("ship_via",), "shippers"),
        ("products", ("category_id",), "categories"),
        ("products", ("supplier_id",), "suppliers"),
    }
    order = [t.name for t in plan.tables]
    for child, _, parent in fks:
        assert order.index(parent) < order.index(child)
    details = {c.name: c.pg_type for c in tables["order_details"].columns}
    assert details == {
        "order_id": "integer",
        "product_id": "integer",
        "unit_price": "numeric(19,4)",
        "quantity": "smallint",
        "discount": "real",
    }
    assert tables["order_details"].primary_key == ("order_id", "product_id")
    assert tables["orders"].identity == "order_id"  # AutoNumber
    assert {c.name: c.pg_type for c in tables["orders"].columns}["order_date"] == "timestamp(3)"
    assert tables["categories"].unique_keys == (("category_name",),)
    # mdb-schema's non-unique indexes (FK columns, dates, postal codes...) are kept
    assert sum(len(t.indexes) for t in plan.tables) == 23
    assert ("idx_orders_order_date", ("order_date",)) in tables["orders"].indexes
    assert len(plan.views) == 22  # saved queries: listed for review, not translated


@pytest.mark.e2e
def test_scaffolded_nwind_migrates_and_passes_the_gate(  # type: ignore[no-untyped-def]
    nwind, request, pg_server, tmp_path
) -> None:
    root = request.getfixturevalue("project")
    pipeline = make_pipeline(database_on(pg_server, "scaffold_nwind"), tmp_path / "work")
    env = {**pipeline.env, "MELTANO_PROJECT_ROOT": str(root)}
    cutover = MELTANO.parent / "cutover"
    scaffolded = subprocess.run(
        [str(cutover), "scaffold", str(nwind), "--system", "nwind"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert scaffolded.returncode == 0, scaffolded.stdout + scaffolded.stderr
    assert "nwind: 9 tables scaffolded" in scaffolded.stdout
    assert "inherit_from: tap-msaccess" in (root / "extract/nwind.meltano.yml").read_text()
    run = subprocess.run(
        [str(MELTANO), "run", "migrate-nwind"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-5000:]
    assert "GATE PASSED: nwind (9 tables)" in output
    assert "9/9 match" in output
    total = re.search(r"total\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+(\d+)\s", output)
    assert total, output[-3000:]
    counts = tuple(int(g.replace(",", "")) for g in total.groups())
    assert counts == (NWIND_ROWS, NWIND_ROWS, NWIND_ROWS, 0, 0)
    with pipeline.connect() as conn:
        fks = conn.execute(
            "select count(*) from pg_constraint where contype = 'f' "
            "and connamespace = 'nwind_next'::regnamespace"
        ).fetchone()[0]
        freight, order_date = conn.execute(
            "select freight, order_date::text from nwind_next.orders where order_id = 10330"
        ).fetchone()
        multiline = conn.execute(
            "select count(*) from nwind_next.customers where address like '%' || chr(13) || "
            "chr(10) || '%'"
        ).fetchone()[0]
        ole = conn.execute(
            "select substr(picture, 1, 2) from nwind_next.categories order by category_id limit 1"
        ).fetchone()[0]
    assert fks == 7
    # mdb-schema's 23 indexes, each served by a target index on the same columns
    assert re.search(r"indexes\s+23\s+33\s+ok \(23 explained\)", output), output[-3000:]
    # SOURCES.md: Currency has 4 decimals (exact), 1994-96 dates with 4-digit years, 8
    # customer addresses with an embedded CRLF, OLE-wrapped pictures (header kept).
    assert (str(freight), order_date) == ("12.7500", "1994-11-16 00:00:00")
    assert multiline == 8
    assert bytes(ole) == bytes.fromhex("151c")  # the OLE object header, not bare BMP bytes
