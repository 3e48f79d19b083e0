"""Mutation test of the gate: every kind of fault injected into a migrated target must make
`cutover gate` fail, with a message naming the table and what is wrong. Zero faults missed.

The Cold Chain sample is migrated once into a database of its own; each fault is injected
into a fresh copy of that database (CREATE DATABASE ... TEMPLATE), so faults never mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.conftest import Pipeline, database_on, make_pipeline

pytestmark = pytest.mark.e2e

S = "coldchain_next"


@dataclass(frozen=True)
class Fault:
    name: str
    inject: tuple[str, ...]
    expected: tuple[str, ...]  # every one of these must be in the gate's output


FAULTS = (
    Fault(
        "deleted row",
        (f"delete from {S}.dispatches where id = (select max(id) from {S}.dispatches)",),
        ("dispatches", "missing: neither in the final table nor in the rejects"),
    ),
    Fault(
        "changed value",
        (f"update {S}.orders set price = price + 1 where id = (select min(id) from {S}.orders)",),
        ("[coldchain__orders] Row by row", "values differ from the source"),
    ),
    Fault(
        "NULL in a required column",
        (
            f"alter table {S}.clients alter column name drop not null",
            f"update {S}.clients set name = null where id = (select min(id) from {S}.clients)",
        ),
        ("not null: missing on the target: clients.name", "clients.name is never NULL"),
    ),
    Fault(
        "orphan foreign key",
        (
            f"alter table {S}.orders drop constraint fk_orders_client_id",
            f"update {S}.orders set client_id = 999999 where id = (select min(id) from {S}.orders)",
        ),
        (
            "foreign keys: missing on the target: orders(client_id) -> clients(id)",
            "points at an existing clients row (fk_orders_client_id)",
        ),
    ),
    Fault(
        "duplicated key",
        (
            f"alter table {S}.dispatches drop constraint pk_dispatches",
            f"alter table {S}.dispatches drop constraint uq_dispatches_dispatch_number",
            f"insert into {S}.dispatches overriding system value select * from {S}.dispatches "
            f"where id = (select min(id) from {S}.dispatches)",
        ),
        ("primary keys: missing on the target: dispatches(id)", "in the target 2 times"),
    ),
    Fault(
        "sequence behind max(id)",
        (f"select setval(pg_get_serial_sequence('{S}.orders', 'id'), 5)",),
        ("sequences: orders.id: sequence", "is not past max(id)", "test insert failed"),
    ),
    Fault(
        "missing index",
        (f"drop index {S}.idx_orders_created_at",),
        ("indexes: missing on the target: orders(created_at)",),
    ),
)


@pytest.fixture(scope="module")
def migrated(pg_server, coldchain_sample: Path, tmp_path_factory) -> Pipeline:  # type: ignore[no-untyped-def]
    pipeline = make_pipeline(database_on(pg_server, "mutants"), tmp_path_factory.mktemp("mutants"))
    pipeline.env["TAP_SQLITE__COLDCHAIN_DATABASE"] = str(coldchain_sample)
    result = pipeline.meltano("run", "migrate-coldchain")
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "GATE PASSED" in output, output[-4000:]
    return pipeline


def _copy_of(pipeline: Pipeline, name: str) -> Pipeline:
    admin = pipeline.target.with_database("postgres")
    with psycopg.connect(admin.conninfo(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(pipeline.target.database)
            )
        )
    copy = pipeline.target.with_database(name)
    return Pipeline(env={**pipeline.env, "PG_DATABASE": name}, target=copy, work=pipeline.work)


def test_unmutated_copy_passes(migrated: Pipeline) -> None:
    """The control: a faithful copy passes, so each failure below is the fault's doing."""
    result = _copy_of(migrated, "mutant_control").cutover("gate", "coldchain")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "GATE PASSED" in result.stdout


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_gate_catches(migrated: Pipeline, fault: Fault) -> None:
    mutant = _copy_of(
        migrated, "mutant_" + fault.name.replace(" ", "_").replace("(", "").replace(")", "")
    )
    with mutant.connect() as conn:
        for statement in fault.inject:
            conn.execute(statement)
    result = mutant.cutover("gate", "coldchain")
    output = result.stdout + result.stderr
    assert result.returncode == 1, f"{fault.name} was missed:\n{output[-3000:]}"
    assert "GATE FAILED: coldchain" in output
    for text in fault.expected:
        assert text in output, f"{fault.name}: {text!r} not in:\n{output[-5000:]}"
