"""EcoAnP (seed 002): the legacy PostgreSQL database of an environmental-monitoring platform.

Unlike the other samples this one is not a file: it is a database on a PostgreSQL server
(the embedded one, or whatever `settings` points to), dropped and recreated on every run,
holding every object kind the guide migrates: schemas (`core`, `telemetry`, `ai`, `audit`),
tables with primary keys, foreign keys across schemas, unique and check constraints and
defaults; identity and serial columns whose sequences stand past max(id) (deleted rows
leave gaps, as in a live database); views and a materialized view; PL/pgSQL functions and
the triggers that use them (updated_at upkeep, audit rows); row-level security by
organization (`SET app.org_id`), forced on `core.devices` so the non-superuser owner
`ecoanp_owner` is filtered too; the roles `ecoanp_app`, `ecoanp_reporting` (read only) and
`ecoanp_ingest` with grants on schemas, tables, sequences and functions; comments; and
pgvector's `ai.ai_knowledge_base.content_embedding vector(1536)` with the guide's HNSW
`vector_cosine_ops` index `idx_ai_knowledge_vector`.

TimescaleDB is not installable on this machine, so the legacy database is plain
PostgreSQL: `telemetry.sensor_readings` (the production hypertable on `measured_at`) is an
ordinary table and `telemetry.daily_device_averages` (the continuous aggregate) an ordinary
materialized view. The DDL is reviewable SQL beside this module (`ecoanp/*.sql`), run in
file order; roles are cluster-wide and created only when missing.

Rows are loaded with COPY with triggers off (`session_replication_role = replica`, as a
restore does), so `updated_at` and the audit rows are the generator's, not the clock's:
the same seed and size always give the same rows. The manifest holds per-table row counts,
an md5 per table and the per-kind object counts, all measured by querying the database
(the kinds of the guide's verification query, plus the ones it lists but does not count).
"""

from __future__ import annotations

import io
import json
import math
import random
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from cutover.samples import PROGRESS_FROM, SampleResult
from cutover.settings import TargetSettings, project_root

SYSTEM = "ecoanp"
DEFAULT_DATABASE = "ecoanp_legacy"
DEFAULT_READINGS = 300_000
DEFAULT_KNOWLEDGE = 120
EMBEDDING_DIM = 1536
OWNER = "ecoanp_owner"
ROLES = ("ecoanp_owner", "ecoanp_app", "ecoanp_reporting", "ecoanp_ingest")
SQL_FILES = (
    "01_roles.sql",
    "02_schemas_tables.sql",
    "03_functions_triggers.sql",
    "04_views.sql",
    "05_rls_grants.sql",
)
START = datetime(2024, 3, 1, tzinfo=UTC)  # first reading of the copied window
INTERVAL = timedelta(minutes=10)
SINCE = datetime(2021, 4, 1, tzinfo=UTC)  # the platform went live

# Load order: parents before children.
TABLES = (
    "core.organizations",
    "core.sites",
    "core.devices",
    "core.users",
    "telemetry.sensor_readings",
    "telemetry.alerts",
    "ai.ai_knowledge_base",
    "audit.audit_log",
)
# (table, id column) whose sequence the load advances past max(id).
SEQUENCED = (
    ("core.organizations", "id"),
    ("core.sites", "id"),
    ("core.devices", "id"),
    ("core.users", "id"),
    ("telemetry.alerts", "id"),
    ("ai.ai_knowledge_base", "id"),
    ("audit.audit_log", "id"),
)

ORGANIZATIONS = (  # (code, name, plan); id 4 was deleted long ago
    (1, "GRN01", "Green Valley Water Authority", "enterprise"),
    (2, "ECO02", "EcoAnP 데모 조직", "trial"),
    (3, "HAN03", "한강 대기환경 모니터링", "standard"),
    (5, "BSN05", "Busan Port Environmental Office", "enterprise"),
    (6, "JEJ06", "제주 토양연구소", "standard"),
)
LAST_ORGANIZATION_ID = 7  # org 7 signed up and was removed: the sequence stands at 7

KIND_METRICS = {
    "air": ("pm10", "pm25", "co2"),
    "water": ("ph", "turbidity"),
    "soil": ("moisture", "soil_temp"),
    "noise": ("noise_db",),
    "energy": ("kwh", "voltage"),
}
# metric: (base, daily amplitude, noise sd, decimals, alert threshold)
METRICS = {
    "pm10": (38.0, 14.0, 9.0, 1, 95.0),
    "pm25": (19.0, 7.0, 5.0, 1, 48.0),
    "co2": (420.0, 35.0, 18.0, 1, 510.0),
    "ph": (7.2, 0.15, 0.08, 2, 7.6),
    "turbidity": (3.5, 0.8, 0.9, 2, 7.0),
    "moisture": (31.0, 2.5, 1.4, 1, 37.0),
    "soil_temp": (14.0, 4.0, 0.7, 2, 19.5),
    "noise_db": (55.0, 9.0, 4.0, 1, 75.0),
    "kwh": (2.4, 1.1, 0.35, 3, 4.4),
    "voltage": (229.0, 1.5, 1.2, 1, 233.8),
}
SITE_WORDS = (
    "North Intake",
    "Riverside",
    "Harbor Gate",
    "Industrial Park",
    "School Zone",
    "Reservoir",
    "Pump Station 2",
    "Landfill East",
    "Greenhouse A",
    "Ridge Tower",
)
TOPICS = (
    ("PM2.5 exceedance response", "air quality"),
    ("Calibrating turbidity probes", "water"),
    ("Soil moisture and irrigation planning", "soil"),
    ("Night-time noise limits near schools", "noise"),
    ("Reading energy meter anomalies", "energy"),
    ("대기질 경보 대응 절차", "air quality"),
    ("수질 센서 교정 가이드", "water"),
    ("Monthly environmental report template", "reporting"),
)

# The guide's verification query (6단계), object kind by object kind, with the kinds the
# guide lists but does not count. Functions follow the guide (pgvector's own count too);
# "Own functions" leaves extension members out.
OBJECT_COUNTS_SQL = """
SELECT 'Tables' AS object_type, COUNT(*) AS count FROM pg_tables
 WHERE schemaname NOT IN ('information_schema', 'pg_catalog')
UNION ALL
SELECT 'Views', COUNT(*) FROM pg_views WHERE schemaname NOT IN ('information_schema', 'pg_catalog')
UNION ALL
SELECT 'Functions', COUNT(*) FROM pg_proc p JOIN pg_namespace n ON p.pronamespace = n.oid
 WHERE n.nspname NOT IN ('information_schema', 'pg_catalog')
UNION ALL
SELECT 'Triggers', COUNT(*) FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'Policies', COUNT(*) FROM pg_policy
UNION ALL
SELECT 'Indexes', COUNT(*) FROM pg_indexes
 WHERE schemaname NOT IN ('information_schema', 'pg_catalog')
UNION ALL
SELECT 'Schemas', COUNT(*) FROM pg_namespace
 WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
UNION ALL
SELECT 'Materialized views', COUNT(*) FROM pg_matviews
 WHERE schemaname NOT IN ('information_schema', 'pg_catalog')
UNION ALL
SELECT 'Own functions', COUNT(*) FROM pg_proc p JOIN pg_namespace n ON p.pronamespace = n.oid
 WHERE n.nspname NOT IN ('information_schema', 'pg_catalog')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                   AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'Sequences', COUNT(*) FROM pg_sequences
 WHERE schemaname NOT IN ('information_schema', 'pg_catalog')
UNION ALL
SELECT 'Constraints', COUNT(*) FROM pg_constraint c JOIN pg_namespace n ON c.connamespace = n.oid
 WHERE n.nspname NOT IN ('information_schema', 'pg_catalog') AND c.contype IN ('p', 'f', 'u', 'c')
UNION ALL
SELECT 'RLS tables', COUNT(*) FROM pg_tables
 WHERE schemaname NOT IN ('information_schema', 'pg_catalog') AND rowsecurity
UNION ALL
SELECT 'Extensions', COUNT(*) FROM pg_extension WHERE extname <> 'plpgsql'
UNION ALL
SELECT 'Roles', COUNT(DISTINCT grantee) FROM acl_entries
 WHERE grantee <> 0 AND grantee <> 10
UNION ALL
SELECT 'Grants', COUNT(*) FROM acl_entries WHERE grantee <> owner
"""
# Every privilege granted on this database's own objects (schemas, tables, views,
# sequences, columns, functions), one row per (object, grantee, privilege); owners count
# among the roles.
ACL_ENTRIES_SQL = """
WITH own_ns AS (
    SELECT oid, nspname, nspowner, nspacl FROM pg_namespace
     WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public')
), acl_entries AS (
    SELECT n.nspowner AS owner, a.grantee FROM own_ns n, aclexplode(n.nspacl) a
    UNION ALL
    SELECT c.relowner, a.grantee FROM pg_class c JOIN own_ns n ON n.oid = c.relnamespace,
           aclexplode(c.relacl) a
    UNION ALL
    SELECT c.relowner, a.grantee FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid
      JOIN own_ns n ON n.oid = c.relnamespace, aclexplode(t.attacl) a
     WHERE t.attacl IS NOT NULL
    UNION ALL
    SELECT p.proowner, a.grantee FROM pg_proc p JOIN own_ns n ON n.oid = p.pronamespace,
           aclexplode(p.proacl) a
    UNION ALL
    SELECT c.relowner, c.relowner FROM pg_class c JOIN own_ns n ON n.oid = c.relnamespace
)
"""

Row = dict[str, Any]


@dataclass(frozen=True)
class EcoAnPResult(SampleResult):
    """A server database, not a file: `database` is its name as a path-like label."""

    server_database: str = DEFAULT_DATABASE
    object_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def describe(self) -> str:
        total = sum(self.row_counts.values())
        kinds = ", ".join(f"{k} {v}" for k, v in self.object_counts.items())
        return (
            f"wrote database {self.server_database} ({total:,} rows in {self.seconds:.1f} s; "
            f"objects: {kinds}); manifest {self.manifest}"
        )


# == Rows ==================================================================================


class EcoAnPGenerator:
    """Every row of the sample, from one seeded RNG, in load order."""

    def __init__(self, readings: int, seed: int, knowledge: int = DEFAULT_KNOWLEDGE) -> None:
        self.rng = random.Random(seed)
        self.readings = readings
        self.knowledge = knowledge
        self.rows: dict[str, list[Row]] = {t: [] for t in TABLES if t != TABLES[4]}
        self.last_ids: dict[str, int] = {}
        self.flaky: set[int] = set()

    def when(self, start: datetime, end: datetime) -> datetime:
        seconds = int((end - start).total_seconds())
        return start + timedelta(seconds=self.rng.randrange(seconds))

    def ids(self, table: str, count: int, gap: float = 0.08) -> Iterator[int]:
        """`count` ids in order, skipping some (rows deleted since), then a deleted tail."""
        next_id = 1
        for _ in range(count):
            while self.rng.random() < gap:
                next_id += 1
            yield next_id
            next_id += 1
        self.last_ids[table] = next_id - 1 + self.rng.randint(0, 3)

    def build(self) -> EcoAnPGenerator:
        self.organizations()
        self.sites()
        self.devices()
        self.users()
        self.knowledge_base()
        self.audit_history()
        return self

    def organizations(self) -> None:
        for org_id, code, name, plan in ORGANIZATIONS:
            created = self.when(SINCE, SINCE + timedelta(days=400))
            self.rows["core.organizations"].append(
                {
                    "id": org_id,
                    "code": code,
                    "name": name,
                    "country": "KR",
                    "plan": plan,
                    "created_at": created,
                    "updated_at": self.when(created, START),
                }
            )
        self.last_ids["core.organizations"] = LAST_ORGANIZATION_ID

    def sites(self) -> None:
        plan: list[tuple[Row, str]] = []
        for org in self.rows["core.organizations"]:
            for word in self.rng.sample(SITE_WORDS, self.rng.randint(2, 5)):
                plan.append((org, word))
        for site_id, (org, word) in zip(self.ids("core.sites", len(plan)), plan, strict=True):
            created = self.when(org["created_at"], START - timedelta(days=60))
            self.rows["core.sites"].append(
                {
                    "id": site_id,
                    "org_id": org["id"],
                    "name": word,
                    "latitude": round(33.2 + self.rng.random() * 5.2, 6),
                    "longitude": round(126.1 + self.rng.random() * 3.3, 6),
                    "timezone": "Asia/Seoul",
                    "created_at": created,
                    "updated_at": self.when(created, START),
                }
            )

    def devices(self) -> None:
        plan = [
            (site, self.rng.choice(tuple(KIND_METRICS)))
            for site in self.rows["core.sites"]
            for _ in range(self.rng.randint(2, 4))
        ]
        device_ids = self.ids("core.devices", len(plan))
        for n, (device_id, (site, kind)) in enumerate(zip(device_ids, plan, strict=True)):
            created = self.when(site["created_at"], START - timedelta(days=30))
            # One device in 17 was retired (its readings stay); some are in maintenance.
            status = (
                "retired" if n % 17 == 5 else self.rng.choice(("active",) * 9 + ("maintenance",))
            )
            if self.rng.random() < 0.12:
                self.flaky.add(device_id)
            tag = self.rng.getrandbits(16)
            self.rows["core.devices"].append(
                {
                    "id": device_id,
                    "device_uuid": uuid.UUID(int=self.rng.getrandbits(128), version=4),
                    "org_id": site["org_id"],
                    "site_id": site["id"],
                    "serial_no": f"{kind[:2].upper()}-{device_id:05d}-{tag:04X}",
                    "kind": kind,
                    "status": status,
                    "installed_on": created.date(),
                    "firmware": None
                    if self.rng.random() < 0.1
                    else f"2.{self.rng.randint(0, 9)}.1",
                    "created_at": created,
                    "updated_at": self.when(created, START),
                }
            )

    def users(self) -> None:
        plan = [
            (org, n)
            for org in self.rows["core.organizations"]
            for n in range(self.rng.randint(4, 10))
        ]
        for user_id, (org, n) in zip(self.ids("core.users", len(plan)), plan, strict=True):
            created = self.when(org["created_at"], START)
            self.rows["core.users"].append(
                {
                    "id": user_id,
                    "org_id": org["id"],
                    "email": f"user{user_id}.{org['code'].lower()}@example.org",
                    "display_name": f"{org['code']} member {n + 1}",
                    "role": "admin" if n == 0 else self.rng.choice(("operator", "viewer")),
                    "is_active": self.rng.random() > 0.1,
                    "created_at": created,
                    "updated_at": self.when(created, START),
                }
            )

    def embedding(self) -> str:
        values = [self.rng.gauss(0.0, 1.0) for _ in range(EMBEDDING_DIM)]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return "[" + ",".join(f"{v / norm:.6f}" for v in values) + "]"

    def knowledge_base(self) -> None:
        orgs = self.rows["core.organizations"]
        for kb_id in self.ids("ai.ai_knowledge_base", self.knowledge):
            title, topic = self.rng.choice(TOPICS)
            org = None if self.rng.random() < 0.3 else self.rng.choice(orgs)["id"]
            created = self.when(SINCE + timedelta(days=300), START)
            # A few documents were saved before the embedding job ran.
            vector = None if self.rng.random() < 0.03 else self.embedding()
            self.rows["ai.ai_knowledge_base"].append(
                {
                    "id": kb_id,
                    "org_id": org,
                    "title": f"{title} #{kb_id}",
                    "content": f"{title}. "
                    + " ".join(
                        self.rng.choice(("Check", "Record", "Compare", "Escalate", "Review"))
                        + f" step {i + 1} for {topic}."
                        for i in range(self.rng.randint(3, 12))
                    ),
                    "content_embedding": vector,
                    "metadata": Jsonb(
                        {
                            "topic": topic,
                            "lang": "ko" if any(ord(c) > 0x3000 for c in title) else "en",
                            "source": self.rng.choice(("manual", "sop", "faq")),
                            "version": self.rng.randint(1, 4),
                        }
                    ),
                    "created_at": created,
                    "updated_at": self.when(created, START + timedelta(days=1)),
                }
            )

    def audit_history(self) -> None:
        """What the audit triggers wrote over the years: inserts, then some updates."""
        events: list[tuple[datetime, str, Row, str]] = []
        for table in ("core.organizations", "core.devices", "core.users", "ai.ai_knowledge_base"):
            for row in self.rows[table]:
                events.append((row["created_at"], table, row, "INSERT"))
                if row["updated_at"] > row["created_at"] and self.rng.random() < 0.4:
                    events.append((row["updated_at"], table, row, "UPDATE"))
        events.sort(key=lambda e: (e[0], e[1], e[2]["id"], e[3]))
        log = self.rows["audit.audit_log"]
        for audit_id, (at, table, row, action) in zip(
            self.ids("audit.audit_log", len(events), gap=0.0), events, strict=True
        ):
            snapshot = {
                k: v
                for k, v in row.items()
                if k in {"id", "org_id", "code", "name", "kind", "status", "email", "role", "title"}
            }
            log.append(
                {
                    "id": audit_id,
                    "table_name": table,
                    "row_pk": str(row["id"]),
                    "action": action,
                    "changed_by": self.rng.choice(("ecoanp_app", "ecoanp_app", "postgres")),
                    "changed_at": at,
                    "old_row": Jsonb(snapshot) if action == "UPDATE" else None,
                    "new_row": Jsonb({**snapshot, "updated_at": at.isoformat()}),
                }
            )

    def reading_series(self) -> list[tuple[int, str]]:
        return [
            (device["id"], metric)
            for device in self.rows["core.devices"]
            for metric in KIND_METRICS[device["kind"]]
        ]

    def sensor_readings(self) -> Iterator[str]:
        """COPY text lines of telemetry.sensor_readings; alerts are collected on the way."""
        series = self.reading_series()
        per, extra = divmod(self.readings, len(series))
        longest = per + (1 if extra else 0)
        stamps = [(START + k * INTERVAL).isoformat() for k in range(longest)]
        day = 86_400.0 / INTERVAL.total_seconds()
        rng = self.rng
        alerts = self.rows["telemetry.alerts"]
        alert_ids = iter(range(1, 10**9))
        for index, (device_id, metric) in enumerate(series):
            base, amplitude, sd, decimals, threshold = METRICS[metric]
            bad = 0.2 if device_id in self.flaky else 0.03
            phase = rng.random() * 2 * math.pi
            count = per + (1 if index < extra else 0)
            for k in range(count):
                value = round(
                    base + amplitude * math.sin(2 * math.pi * k / day + phase) + rng.gauss(0, sd),
                    decimals,
                )
                roll = rng.random()
                quality = (
                    (0 if roll < bad / 4 else 50) if roll < bad else (100 if roll > 0.1 else 90)
                )
                if value > threshold and quality >= 80 and rng.random() < 0.2:
                    alerts.append(self.alert(next(alert_ids), device_id, metric, stamps[k], value))
                yield f"{device_id}\t{stamps[k]}\t{metric}\t{value!r}\t{quality}\n"
        self.last_ids["telemetry.alerts"] = len(alerts) + rng.randint(0, 3)

    def alert(self, alert_id: int, device_id: int, metric: str, stamp: str, value: float) -> Row:
        threshold = METRICS[metric][4]
        raised = datetime.fromisoformat(stamp)
        acknowledged = self.rng.random() < 0.6
        return {
            "id": alert_id,
            "device_id": device_id,
            "metric": metric,
            "raised_at": raised,
            "value": value,
            "threshold": threshold,
            "severity": "critical" if value > threshold * 1.15 else "warning",
            "acknowledged_by": self.rng.choice(self.rows["core.users"])["id"]
            if acknowledged
            else None,
            "acknowledged_at": raised + timedelta(minutes=self.rng.randint(3, 600))
            if acknowledged
            else None,
        }


# == Database ==============================================================================


def sql_text(name: str) -> str:
    return resources.files("cutover.samples").joinpath("ecoanp", name).read_text("utf-8")


def recreate_database(settings: TargetSettings, database: str) -> None:
    """Roles if missing, then a fresh database owned by ecoanp_owner."""
    with psycopg.connect(settings.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql_text(SQL_FILES[0]))
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'").format(
                name, sql.Identifier(OWNER)
            )
        )


def create_schema(conn: psycopg.Connection) -> None:
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(OWNER)))
    for name in SQL_FILES[1:]:
        conn.execute(sql_text(name))
    conn.execute("RESET ROLE")


def copy_rows(conn: psycopg.Connection, table: str, rows: list[Row]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*table.split(".")), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with conn.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def copy_readings(conn: psycopg.Connection, lines: Iterator[str], total: int) -> None:
    if total >= PROGRESS_FROM:
        print(f"  writing telemetry.sensor_readings: {total:,} rows", file=sys.stderr)
    statement = (
        "COPY telemetry.sensor_readings (device_id, measured_at, metric, value, quality) FROM STDIN"
    )
    buffer = io.StringIO()
    with conn.cursor().copy(statement) as copy:
        for n, line in enumerate(lines, 1):
            buffer.write(line)
            if n % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def advance_sequences(conn: psycopg.Connection, last_ids: dict[str, int]) -> None:
    for table, column in SEQUENCED:
        conn.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), %s, true)",
            (table, column, last_ids[table]),
        )


def row_counts(conn: psycopg.Connection) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(*table.split(".")))
        counts[table] = int(conn.execute(query).fetchone()[0])  # type: ignore[index]
    return counts


def table_checksum(conn: psycopg.Connection, table: str) -> str:
    """md5 of every row's text, in a fixed order: equal rows, equal checksum."""
    query = sql.SQL(
        "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t"
    ).format(sql.Identifier(*table.split(".")))
    return str(conn.execute(query).fetchone()[0])  # type: ignore[index]


def object_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Per object kind, counted in the catalog (the guide's verification query and more)."""
    rows = conn.execute(ACL_ENTRIES_SQL + OBJECT_COUNTS_SQL).fetchall()
    return {str(kind): int(count) for kind, count in rows}


def default_manifest_path() -> Path:
    return project_root() / ".data" / "samples" / f"{SYSTEM}.manifest.json"


def write_manifest(path: Path, payload: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def generate(
    settings: TargetSettings,
    database: str = DEFAULT_DATABASE,
    *,
    readings: int = DEFAULT_READINGS,
    seed: int = 2,
    manifest: str | Path | None = None,
    knowledge: int = DEFAULT_KNOWLEDGE,
) -> EcoAnPResult:
    """Drop and recreate `database` on the server of `settings` and fill it.

    The manifest goes to `manifest` (default `.data/samples/ecoanp.manifest.json`)."""
    started = time.monotonic()
    if readings >= PROGRESS_FROM:
        print(f"generating the EcoAnP sample: {readings:,} readings (seed {seed})", file=sys.stderr)
    data = EcoAnPGenerator(readings, seed, knowledge).build()
    recreate_database(settings, database)
    target = settings.with_database(database)
    with psycopg.connect(target.conninfo(), autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")  # checksums hash timestamptz text
        create_schema(conn)
        with conn.transaction():
            # Triggers (and FK checks) off, as a restore does: the history is the generator's.
            conn.execute("SET LOCAL session_replication_role = replica")
            for table in TABLES[:4]:
                copy_rows(conn, table, data.rows[table])
            copy_readings(conn, data.sensor_readings(), readings)
            for table in TABLES[5:]:
                copy_rows(conn, table, data.rows[table])
            advance_sequences(conn, data.last_ids)
        conn.execute("REFRESH MATERIALIZED VIEW telemetry.daily_device_averages")
        conn.execute("ANALYZE")
        counts = row_counts(conn)
        matview_rows = int(
            conn.execute("SELECT count(*) FROM telemetry.daily_device_averages").fetchone()[0]  # type: ignore[index]
        )
        kinds = object_counts(conn)
        checksums = {table: table_checksum(conn, table) for table in TABLES}
        server_version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    seconds = time.monotonic() - started
    path = write_manifest(
        Path(manifest) if manifest else default_manifest_path(),
        {
            "system": SYSTEM,
            "seed": seed,
            "readings": readings,
            "database": database,
            "source": {
                "kind": "postgresql",
                "server_version": server_version,
                "extensions": ["vector"],
                "timescaledb": False,
                "hypertable_candidates": {"telemetry.sensor_readings": "measured_at"},
                "continuous_aggregate_candidates": ["telemetry.daily_device_averages"],
                "roles": list(ROLES),
            },
            "row_counts": counts,
            "materialized_view_rows": {"telemetry.daily_device_averages": matview_rows},
            "object_counts": kinds,
            "checksums": checksums,
            "sequence_last_values": dict(data.last_ids),
            "seconds": round(seconds, 2),
        },
    )
    return EcoAnPResult(
        database=Path(database),
        manifest=path,
        row_counts=counts,
        planted_rejects=0,
        server_database=database,
        object_counts=kinds,
        seconds=seconds,
    )
