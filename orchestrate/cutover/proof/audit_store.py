"""The `cutover_audit` schema: what the proof captured from sources, and every gate,
switch and rollback, so a cutover can be reviewed after the fact.

Tables are created on first use (idempotent DDL) by whichever command needs them first.
"""

from __future__ import annotations

import psycopg

DDL = """
create schema if not exists cutover_audit;
create table if not exists cutover_audit.source_tables (
    system text not null,
    table_name text not null,
    row_count bigint not null,
    key_columns text[] not null,
    typed_columns jsonb not null,
    raw_columns text[] not null,
    excluded jsonb not null,
    source text not null,
    captured_at timestamptz not null default now(),
    duration_s double precision not null,
    primary key (system, table_name)
);
comment on table cutover_audit.source_tables is
    'Per source table: row count and the columns its row fingerprints cover (cutover capture).';
create table if not exists cutover_audit.source_rows (
    system text not null,
    table_name text not null,
    row_key text not null,
    typed_hash uuid not null,
    raw_hash uuid not null
);
comment on table cutover_audit.source_rows is
    'One fingerprint per source row, keyed by its primary key (cutover capture).';
create index if not exists source_rows_by_key
    on cutover_audit.source_rows (system, table_name, row_key);
create table if not exists cutover_audit.source_inventory (
    system text primary key,
    source text not null,
    inventory jsonb not null,
    captured_at timestamptz not null default now()
);
comment on table cutover_audit.source_inventory is
    'The source schema by object kind, for object parity (cutover capture).';
create table if not exists cutover_audit.gate_checks (
    system text not null,
    check_name text not null,
    table_name text,
    problem text not null,
    checked_at timestamptz not null default now()
);
comment on table cutover_audit.gate_checks is
    'Problems found by the last gate of each system outside GX (object parity, sequences).';
create table if not exists cutover_audit.gate_runs (
    run_id uuid primary key,
    system text not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    passed boolean not null,
    candidate_schema text not null,
    candidate_tables jsonb not null,
    failures jsonb not null,
    summary jsonb not null
);
create table if not exists cutover_audit.switches (
    id bigint generated always as identity primary key,
    system text not null,
    action text not null check (action in ('switch', 'rollback')),
    at timestamptz not null default now(),
    app_schema text not null,
    candidate_schema text not null,
    previous_schema text,
    gate_run_id uuid,
    backup text,
    by_user text not null default current_user
);
"""


def ensure_audit_schema(conn: psycopg.Connection) -> None:
    # Serialise concurrent first uses: CREATE ... IF NOT EXISTS can still race.
    conn.execute("select pg_advisory_xact_lock(hashtext('cutover_audit ddl'))")
    conn.execute(DDL)
