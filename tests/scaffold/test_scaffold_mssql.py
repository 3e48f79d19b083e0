"""The scaffolder on SQL Server schemas. No SQL Server runs here: the plan is built from a
schema as the cutover reader returns it (Chinook's own DDL, `../shared/fixtures/mssql/
Chinook_SqlServer.sql`, declares these types), rendered, and checked; the live test
(tests/e2e/test_mssql_live.py) reads a real server when one is configured."""

from __future__ import annotations

import subprocess

import pytest
from cutover.errors import CutoverError
from cutover.scaffold.mssql_plan import connection_settings, plan_from_schema
from cutover.scaffold.render import render
from cutover.sources.base import SourceColumn, SourceForeignKey, SourceSchema, SourceTable

from tests.conftest import MELTANO, REPO_ROOT

CONNECTION = {"host": "sql01.example.internal", "port": "1433", "user": "migrator_ro",
              "database": "Chinook"}  # fmt: skip


def _chinook() -> SourceSchema:
    """Artist, Album and InvoiceLine as sys.columns describes them (Chinook_SqlServer.sql)."""
    artist = SourceTable(
        "Artist",
        (SourceColumn("ArtistId", "int", True), SourceColumn("Name", "nvarchar(120)", False)),
        primary_key=("ArtistId",),
        generated_key="ArtistId",
        sequence_value=275,
        row_count=275,
    )
    album = SourceTable(
        "Album",
        (
            SourceColumn("AlbumId", "int", True),
            SourceColumn("Title", "nvarchar(160)", True),
            SourceColumn("ArtistId", "int", True),
        ),
        primary_key=("AlbumId",),
        foreign_keys=(
            SourceForeignKey(("ArtistId",), "Artist", ("ArtistId",), "FK_AlbumArtistId"),
        ),
        generated_key="AlbumId",
        row_count=347,
    )
    line = SourceTable(
        "InvoiceLine",
        (
            SourceColumn("InvoiceLineId", "int", True),
            SourceColumn("UnitPrice", "numeric(10,2)", True),
            SourceColumn("Quantity", "int", True),
            SourceColumn("Added", "datetime2(7)", False),
            SourceColumn("Shipped", "datetimeoffset(7)", False),
            SourceColumn("Receipt", "varbinary(max)", False),
            SourceColumn("RowGuid", "uniqueidentifier", False),
            SourceColumn("Paid", "bit", False),
            SourceColumn("Cost", "money", False),
        ),
        primary_key=("InvoiceLineId",),
        check_constraints=("([Quantity]>(0))",),
        row_count=2240,
    )
    heap = SourceTable("AuditHeap", (SourceColumn("Note", "varchar(max)", False),), ())
    return SourceSchema(tables=(artist, album, line, heap), views=("dbo.Invoices_View",))


def test_plan_types_keys_and_identities() -> None:
    plan = plan_from_schema("chinook", _chinook(), CONNECTION)
    tables = {t.name: t for t in plan.tables}
    assert [t.name for t in plan.tables].index("artist") < [t.name for t in plan.tables].index(
        "album"
    )
    types = {c.name: c.pg_type for c in tables["invoice_line"].columns}
    assert types == {
        "invoice_line_id": "integer",
        "unit_price": "numeric(10,2)",
        "quantity": "integer",
        "added": "timestamp(6)",
        "shipped": "timestamptz",
        "receipt": "bytea",
        "row_guid": "uuid",
        "paid": "boolean",
        "cost": "numeric(19,4)",
    }
    assert {c.name: c.pg_type for c in tables["artist"].columns}["name"] == "varchar(120)"
    assert tables["artist"].identity == "artist_id"
    assert [(fk.columns, fk.parent) for fk in tables["album"].foreign_keys] == [
        (("artist_id",), "artist")
    ]
    assert tables["invoice_line"].checks[0][1] == "(quantity>(0))"  # T-SQL [names] renamed
    assert plan.skipped[0][0] == "AuditHeap" and "no primary key" in plan.skipped[0][1]
    assert plan.views == ("dbo.Invoices_View",)


def test_rendered_extractor_has_the_connection_and_no_password() -> None:
    files = render(plan_from_schema("chinook", _chinook(), CONNECTION), REPO_ROOT)
    extractor = files["extract/chinook.meltano.yml"]
    assert "inherit_from: tap-mssql" in extractor
    assert 'host: "sql01.example.internal"' in extractor
    assert "database: Chinook" in extractor
    assert "password:" not in extractor
    assert "TAP_MSSQL__CHINOOK_PASSWORD" in extractor
    staging = files["transform/models/staging/chinook/stg_chinook__invoice_line.sql"]
    assert "try_cast('\"UnitPrice\"', 'numeric(10,2)', casts)" in staging


def test_url_rules() -> None:
    assert connection_settings("mssql://sa@db:1444/Chinook", "pw") == {
        "host": "db",
        "database": "Chinook",
        "port": 1444,
        "user": "sa",
        "password": "pw",
    }
    with pytest.raises(CutoverError, match="not in the URL"):
        connection_settings("mssql://sa:secret@db/Chinook", None)
    with pytest.raises(CutoverError, match=r"mssql://user@host\[:port\]/Database"):
        connection_settings("mssql://db", None)


def test_unreachable_server_is_one_line_naming_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [str(MELTANO.parent / "cutover"), "scaffold", "mssql://sa@127.0.0.1:1/Chinook",
         "--system", "chinook"],
        capture_output=True, text=True, check=False, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "127.0.0.1:1/Chinook" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
