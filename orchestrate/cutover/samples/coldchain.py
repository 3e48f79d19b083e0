"""Cold Chain Dispatch (seed 004): a SQLite file as SQLAlchemy + Alembic leave it after years.

The same seed and size always give the same bytes of data. Besides clean rows it plants
the dirt such databases really carry, and writes a manifest (JSON, next to the database)
that says which rows the migration must reject and why, computed here in Python
independently of the dbt rules that do the rejecting:

- timestamps as text in five formats (SQLAlchemy's, `datetime('now')`'s, ISO with `T`,
  ISO with a +09:00 offset, epoch seconds as an integer), all meaning a known UTC instant
- booleans as 0/1, money as REAL with float noise, trailing whitespace in codes and names
- NULLs in columns the app requires but the DDL allows (added later by ALTER TABLE)
- orphan foreign keys (SQLite does not enforce them), duplicated business codes
- a type lie (text in a FLOAT column), unparseable timestamps, out-of-enum statuses
- Korean text and emoji
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cutover.samples import PROGRESS_FROM, SampleResult, insert_rows

DEFAULT_ORDERS = 2000
KST = timedelta(hours=9)
EPOCH_START = datetime(2022, 1, 1)

SCHEMA = """
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE users (
    id INTEGER NOT NULL,
    email VARCHAR(255) NOT NULL,
    username VARCHAR(50) NOT NULL,
    hashed_password VARCHAR(255) NOT NULL,
    full_name VARCHAR(100),
    role VARCHAR(20) NOT NULL,
    is_active BOOLEAN NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE UNIQUE INDEX ix_users_username ON users (username);
CREATE TABLE clients (
    id INTEGER NOT NULL,
    name VARCHAR(200),
    contact_name VARCHAR(100),
    phone VARCHAR(30),
    email VARCHAR(255),
    address VARCHAR(255),
    latitude FLOAT,
    longitude FLOAT,
    is_active BOOLEAN,
    created_at DATETIME,
    updated_at DATETIME,
    PRIMARY KEY (id)
);
ALTER TABLE clients ADD COLUMN code VARCHAR(20);
CREATE INDEX ix_clients_code ON clients (code);
CREATE TABLE drivers (
    id INTEGER NOT NULL,
    user_id INTEGER,
    name VARCHAR(100) NOT NULL,
    phone VARCHAR(30),
    license_number VARCHAR(50),
    license_expiry DATE,
    is_available BOOLEAN,
    created_at DATETIME,
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE TABLE vehicles (
    id INTEGER NOT NULL,
    code VARCHAR(20),
    plate_number VARCHAR(20) NOT NULL,
    vehicle_type VARCHAR(20),
    capacity_kg FLOAT,
    min_temp FLOAT,
    max_temp FLOAT,
    driver_id INTEGER,
    is_active BOOLEAN,
    created_at DATETIME,
    PRIMARY KEY (id),
    FOREIGN KEY(driver_id) REFERENCES drivers (id)
);
CREATE INDEX ix_vehicles_code ON vehicles (code);
CREATE TABLE orders (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    order_number VARCHAR(30),
    client_id INTEGER,
    pickup_address VARCHAR(255),
    delivery_address VARCHAR(255),
    pickup_time DATETIME,
    delivery_deadline DATETIME,
    cargo_type VARCHAR(50),
    weight_kg FLOAT,
    required_temp_min FLOAT,
    required_temp_max FLOAT,
    price NUMERIC(12, 2),
    status VARCHAR(20),
    notes TEXT,
    created_at DATETIME,
    updated_at DATETIME,
    FOREIGN KEY(client_id) REFERENCES clients (id)
);
CREATE INDEX ix_orders_order_number ON orders (order_number);
CREATE TABLE dispatches (
    id INTEGER NOT NULL,
    dispatch_number VARCHAR(30),
    order_id INTEGER,
    vehicle_id INTEGER,
    driver_id INTEGER,
    status VARCHAR(20),
    dispatched_at DATETIME,
    delivered_at DATETIME,
    distance_km FLOAT,
    created_at DATETIME,
    PRIMARY KEY (id),
    FOREIGN KEY(order_id) REFERENCES orders (id),
    FOREIGN KEY(vehicle_id) REFERENCES vehicles (id),
    FOREIGN KEY(driver_id) REFERENCES drivers (id)
);
CREATE INDEX ix_dispatches_dispatch_number ON dispatches (dispatch_number);
"""

COLUMNS = {
    "alembic_version": ["version_num"],
    "users": [
        "id",
        "email",
        "username",
        "hashed_password",
        "full_name",
        "role",
        "is_active",
        "created_at",
        "updated_at",
    ],
    "clients": [
        "id",
        "name",
        "contact_name",
        "phone",
        "email",
        "address",
        "latitude",
        "longitude",
        "is_active",
        "created_at",
        "updated_at",
        "code",
    ],
    "drivers": [
        "id",
        "user_id",
        "name",
        "phone",
        "license_number",
        "license_expiry",
        "is_available",
        "created_at",
    ],
    "vehicles": [
        "id",
        "code",
        "plate_number",
        "vehicle_type",
        "capacity_kg",
        "min_temp",
        "max_temp",
        "driver_id",
        "is_active",
        "created_at",
    ],
    "orders": [
        "id",
        "order_number",
        "client_id",
        "pickup_address",
        "delivery_address",
        "pickup_time",
        "delivery_deadline",
        "cargo_type",
        "weight_kg",
        "required_temp_min",
        "required_temp_max",
        "price",
        "status",
        "notes",
        "created_at",
        "updated_at",
    ],
    "dispatches": [
        "id",
        "dispatch_number",
        "order_id",
        "vehicle_id",
        "driver_id",
        "status",
        "dispatched_at",
        "delivered_at",
        "distance_km",
        "created_at",
    ],
}
# Parents before children: the order the app's own migrate_data.py used.
TABLE_ORDER = ["alembic_version", "users", "clients", "drivers", "vehicles", "orders", "dispatches"]

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = [
    "민준",
    "서연",
    "도윤",
    "지우",
    "하준",
    "서윤",
    "은우",
    "지호",
    "수아",
    "예준",
    "하은",
    "시우",
    "지민",
    "유진",
    "현우",
    "채원",
]
CITIES = [
    "서울특별시 강남구 테헤란로",
    "부산광역시 해운대구 센텀중앙로",
    "인천광역시 연수구 송도과학로",
    "대구광역시 달서구 성서공단로",
    "경기도 평택시 포승읍 평택항로",
    "광주광역시 광산구 하남산단로",
]
COMPANIES = [
    "한빛냉동",
    "새벽수산",
    "청정푸드",
    "대한제약물류",
    "바다횟집",
    "초록마트",
    "해오름농산",
    "Fresh & Co.",
    "Müller Feinkost",
    "北京烤鸭 서울점",
]
CARGO = ["frozen_food", "fresh_produce", "pharma", "seafood", "dairy", "ice_cream"]
VEHICLE_TYPES = ["refrigerated", "frozen", "insulated"]
ORDER_STATUSES = ["pending", "assigned", "in_transit", "delivered", "cancelled"]
DISPATCH_STATUSES = ["assigned", "in_transit", "delivered"]
ROLES = ["admin", "dispatcher", "driver", "viewer"]
NOTES = [
    "",
    "문 앞에 두세요",
    "🚚 냉동 주의",
    "Call before arrival",
    "온도 기록지 동봉 필수 🌡️",
    "파손 주의 / fragile",
    None,
]


@dataclass
class Reject:
    table: str
    key: int | str
    reason: str
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"table": self.table, "key": self.key, "reason": self.reason, "detail": self.detail}


@dataclass
class Stamp:
    """A timestamp the app meant (UTC) and the text or number it left in SQLite."""

    utc: datetime
    stored: str | int


@dataclass
class Dataset:
    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    stamp_samples: list[dict[str, object]] = field(default_factory=list)
    sqlite_sequence: dict[str, int] = field(default_factory=dict)


class StampWriter:
    """Stores timestamps in the formats that different writers of the app used."""

    FORMATS = ("sqlalchemy", "sqlite_now", "iso_t", "iso_kst_offset", "epoch_seconds")
    WEIGHTS = (80, 8, 5, 4, 3)

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.samples: list[dict[str, object]] = []
        self._seen: dict[str, int] = {}

    def make(self, utc: datetime, table: str, key: object, column: str) -> str | int:
        fmt = self.rng.choices(self.FORMATS, self.WEIGHTS)[0]
        stored = self.render(utc, fmt)
        if self._seen.get(fmt, 0) < 3:
            self._seen[fmt] = self._seen.get(fmt, 0) + 1
            expected = (
                utc if fmt in ("sqlalchemy", "iso_kst_offset") else utc.replace(microsecond=0)
            )
            self.samples.append(
                {
                    "table": table,
                    "key": key,
                    "column": column,
                    "format": fmt,
                    "stored": stored,
                    "expected_utc": expected.isoformat(sep=" "),
                }
            )
        return stored

    @staticmethod
    def render(utc: datetime, fmt: str) -> str | int:
        if fmt == "sqlalchemy":
            return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
        if fmt == "sqlite_now":
            return utc.strftime("%Y-%m-%d %H:%M:%S")
        if fmt == "iso_t":
            return utc.strftime("%Y-%m-%dT%H:%M:%S")
        if fmt == "iso_kst_offset":
            return (utc + KST).strftime("%Y-%m-%dT%H:%M:%S.%f") + "+09:00"
        return int(utc.replace(tzinfo=UTC).timestamp())


class ColdChainGenerator:
    def __init__(self, orders: int, seed: int) -> None:
        if orders < 100:
            raise ValueError("the Cold Chain sample needs at least 100 orders to plant its dirt")
        self.rng = random.Random(seed)
        self.n_orders = orders
        self.n_users = max(20, orders // 50)
        self.n_clients = max(50, orders // 10)
        self.n_drivers = max(20, orders // 40)
        self.n_vehicles = max(20, orders // 40)
        self.active_drivers = self.n_drivers * 4 // 5
        self.active_vehicles = self.n_vehicles * 4 // 5
        self.stamps = StampWriter(self.rng)
        self.data = Dataset()

    # -- helpers -------------------------------------------------------------------------
    def when(self, start: datetime = EPOCH_START, days: int = 1000) -> datetime:
        seconds = self.rng.randrange(days * 86400)
        return start + timedelta(seconds=seconds, microseconds=self.rng.randrange(1_000_000))

    def stamp(self, utc: datetime | None, table: str, key: object, column: str) -> object:
        return None if utc is None else self.stamps.make(utc, table, key, column)

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        return f"010-{self.rng.randrange(1000, 9999)}-{self.rng.randrange(1000, 9999)}"

    def address(self) -> str:
        return f"{self.rng.choice(CITIES)} {self.rng.randrange(1, 999)}"

    def sloppy(self, text: str, rate: float = 0.05) -> str:
        """Trailing whitespace, as typed into the app's admin forms."""
        return (
            text + self.rng.choice([" ", "  ", "\t", " \n"]) if self.rng.random() < rate else text
        )

    # -- tables --------------------------------------------------------------------------
    def build(self) -> Dataset:
        rows = self.data.rows
        rows["alembic_version"] = [{"version_num": "7f3c2a9d1b4e"}]
        rows["users"] = [self.user(i) for i in range(1, self.n_users + 1)]
        rows["clients"] = [self.client(i) for i in range(1, self.n_clients + 1)]
        rows["drivers"] = [self.driver(i) for i in range(1, self.n_drivers + 1)]
        rows["vehicles"] = [self.vehicle(i) for i in range(1, self.n_vehicles + 1)]
        rows["orders"] = [self.order(i) for i in range(1, self.n_orders + 1)]
        rows["dispatches"] = []
        for order in rows["orders"]:
            if order["status"] in ("assigned", "in_transit", "delivered"):
                rows["dispatches"].append(self.dispatch(len(rows["dispatches"]) + 1, order))
        # Orders deleted by the app after creation: AUTOINCREMENT never reuses their ids.
        self.data.sqlite_sequence["orders"] = self.n_orders + 7
        self.plant_dirt()
        self.data.stamp_samples = self.stamps.samples
        return self.data

    def user(self, i: int) -> dict[str, object]:
        created = self.when()
        return {
            "id": i,
            "email": f"user{i:04d}@coldchain.example",
            "username": f"user{i:04d}",
            "hashed_password": "$2b$12$"
            + "".join(self.rng.choices("abcdefghijkLMNOP0123./", k=53)),
            "full_name": self.sloppy(self.person()),
            "role": ROLES[0] if i == 1 else self.rng.choice(ROLES[1:]),
            "is_active": 1 if self.rng.random() < 0.9 else 0,
            "created_at": self.stamp(created, "users", i, "created_at"),
            "updated_at": self.stamp(
                created + timedelta(days=self.rng.randrange(300)), "users", i, "updated_at"
            )
            if self.rng.random() < 0.7
            else None,
        }

    def client(self, i: int) -> dict[str, object]:
        created = self.when()
        company = self.rng.choice(COMPANIES)
        return {
            "id": i,
            "code": self.sloppy(f"CL-{i:05d}"),
            "name": self.sloppy(
                f"{company} {self.rng.choice(['본점', '지점', '물류센터', 'Inc.'])}"
            ),
            "contact_name": self.person(),
            "phone": self.phone(),
            "email": f"contact{i}@client.example" if self.rng.random() < 0.8 else None,
            "address": self.address(),
            "latitude": round(self.rng.uniform(34.5, 38.0), 6),
            "longitude": round(self.rng.uniform(126.0, 129.5), 6),
            "is_active": 1 if self.rng.random() < 0.95 else 0,
            "created_at": self.stamp(created, "clients", i, "created_at"),
            "updated_at": None,
        }

    def driver(self, i: int) -> dict[str, object]:
        created = self.when()
        return {
            "id": i,
            "user_id": self.rng.randrange(1, self.n_users + 1) if self.rng.random() < 0.6 else None,
            "name": self.sloppy(self.person()),
            "phone": self.phone(),
            "license_number": f"{self.rng.randrange(11, 28)}-{self.rng.randrange(10, 99)}-"
            f"{self.rng.randrange(100000, 999999)}-{self.rng.randrange(10, 99)}",
            "license_expiry": (
                datetime(2025, 1, 1) + timedelta(days=self.rng.randrange(2000))
            ).strftime("%Y-%m-%d"),
            "is_available": self.rng.choice([0, 1]),
            "created_at": self.stamp(created, "drivers", i, "created_at"),
        }

    def vehicle(self, i: int) -> dict[str, object]:
        kind = self.rng.choice(VEHICLE_TYPES)
        low = {"refrigerated": 0.0, "frozen": -25.0, "insulated": 2.0}[kind]
        return {
            "id": i,
            "code": self.sloppy(f"VH-{i:04d}"),
            "plate_number": self.sloppy(
                f"{self.rng.randrange(10, 99)}가{self.rng.randrange(1000, 9999)}"
            ),
            "vehicle_type": kind,
            "capacity_kg": float(self.rng.choice([1000, 2500, 5000, 11000])),
            "min_temp": low,
            "max_temp": low + self.rng.choice([5.0, 8.0, 10.0]),
            "driver_id": i if i <= self.active_drivers and self.rng.random() < 0.8 else None,
            "is_active": 1 if i <= self.active_vehicles else 0,
            "created_at": self.stamp(self.when(), "vehicles", i, "created_at"),
        }

    def order(self, i: int) -> dict[str, object]:
        created = self.when()
        pickup = created + timedelta(hours=self.rng.randrange(2, 72))
        status = self.rng.choices(ORDER_STATUSES, (10, 10, 10, 65, 5))[0]
        price = round(self.rng.randrange(30_000, 900_000, 500) * 1.0, 2)
        if self.rng.random() < 0.05:
            price = price - 1e-9  # float noise from a currency conversion script
        return {
            "id": i,
            "order_number": self.sloppy(f"ORD-{created:%Y%m%d}-{i:07d}", 0.02),
            "client_id": self.rng.randrange(1, self.n_clients + 1),
            "pickup_address": self.address(),
            "delivery_address": self.address() + ("\n(후문)" if self.rng.random() < 0.03 else ""),
            "pickup_time": self.stamp(pickup, "orders", i, "pickup_time"),
            "delivery_deadline": self.stamp(
                pickup + timedelta(hours=self.rng.randrange(4, 48)),
                "orders",
                i,
                "delivery_deadline",
            ),
            "cargo_type": self.rng.choice(CARGO),
            "weight_kg": round(self.rng.uniform(5, 900), 1),
            "required_temp_min": -20.0 if self.rng.random() < 0.4 else 0.0,
            "required_temp_max": -15.0 if self.rng.random() < 0.4 else 8.0,
            "price": price,
            "status": status.upper() + " " if self.rng.random() < 0.02 else status,
            "notes": self.rng.choice(NOTES),
            "created_at": self.stamp(created, "orders", i, "created_at"),
            "updated_at": self.stamp(created + timedelta(hours=1), "orders", i, "updated_at"),
        }

    def dispatch(self, i: int, order: dict[str, object]) -> dict[str, object]:
        dispatched = self.when()
        delivered = dispatched + timedelta(minutes=self.rng.randrange(30, 600))
        status = order["status"].strip().lower()  # type: ignore[union-attr]
        return {
            "id": i,
            "dispatch_number": f"DSP-{i:07d}",
            "order_id": order["id"],
            "vehicle_id": self.rng.randrange(1, self.active_vehicles + 1),
            "driver_id": self.rng.randrange(1, self.active_drivers + 1),
            "status": status,
            "dispatched_at": self.stamp(dispatched, "dispatches", i, "dispatched_at"),
            "delivered_at": self.stamp(delivered, "dispatches", i, "delivered_at")
            if status == "delivered"
            else None,
            "distance_km": round(self.rng.uniform(3, 450), 2),
            "created_at": self.stamp(
                dispatched - timedelta(minutes=5), "dispatches", i, "created_at"
            ),
        }

    # -- dirt ----------------------------------------------------------------------------
    def plant_dirt(self) -> None:
        """Break chosen rows, each from a pool no other dirt touches, and note the reason."""
        rows = self.data.rows
        by_id = {
            table: {row["id"]: row for row in rows[table]}
            for table in rows
            if table != "alembic_version"
        }
        # Retired vehicles and drivers, and users who never drove, carry the odd data: the
        # dirt lands there, so one bad row does not take hundreds of dispatches with it.
        candidates = {table: sorted(by_id[table]) for table in by_id}
        candidates["vehicles"] = [i for i in candidates["vehicles"] if i > self.active_vehicles]
        candidates["drivers"] = [i for i in candidates["drivers"] if i > self.active_drivers]
        driving_users = {row["user_id"] for row in rows["drivers"]}
        candidates["users"] = [i for i in candidates["users"] if i not in driving_users]
        pools = {
            table: self.rng.sample(ids, min(len(ids), 40)) for table, ids in candidates.items()
        }

        def pick(table: str) -> dict[str, object]:
            return by_id[table][pools[table].pop()]

        planted: list[Reject] = []

        def plant(
            table: str,
            reason: str,
            detail: str,
            change: dict[str, object],
            row: dict[str, object] | None = None,
        ) -> dict[str, object]:
            row = row or pick(table)
            row.update(change)
            planted.append(Reject(table, row["id"], reason, detail))  # type: ignore[arg-type]
            return row

        # NULLs in columns the app requires (the DDL allows them).
        plant("clients", "required_null", "name", {"name": None})
        plant("clients", "required_null", "code", {"code": "   "})
        plant("orders", "required_null", "order_number", {"order_number": None})
        plant("orders", "required_null", "created_at", {"created_at": None})
        # Orphan foreign keys: parents deleted long ago.
        for _ in range(3):
            plant("orders", "orphan_fk", "client_id", {"client_id": self.n_clients + 500})
        plant("dispatches", "orphan_fk", "vehicle_id", {"vehicle_id": self.n_vehicles + 77})
        plant("dispatches", "orphan_fk", "order_id", {"order_id": self.n_orders + 900})
        plant("drivers", "orphan_fk", "user_id", {"user_id": self.n_users + 3})
        # Type lies and unparseable values.
        plant("vehicles", "cast_failed", "capacity_kg", {"capacity_kg": "1.5t"})
        plant(
            "orders",
            "cast_failed",
            "delivery_deadline",
            {"delivery_deadline": "0000-00-00 00:00:00"},
        )
        plant("orders", "cast_failed", "price", {"price": "₩45,000"})
        plant("users", "cast_failed", "created_at", {"created_at": "2023-02-30 10:00:00"})
        # Values the app's enums and ranges forbid.
        plant("orders", "check_failed", "ck_orders_status", {"status": "on_hold"})
        plant(
            "vehicles",
            "check_failed",
            "ck_vehicles_temp_range",
            {"min_temp": 8.0, "max_temp": -2.0},
        )
        dispatch = pick("dispatches")
        while dispatch["status"] != "delivered" or dispatch["delivered_at"] is None:
            dispatch = pick("dispatches")
        plant(
            "dispatches",
            "check_failed",
            "ck_dispatches_delivered_after_dispatched",
            {
                "delivered_at": StampWriter.render(EPOCH_START, "sqlalchemy"),
                "dispatched_at": StampWriter.render(EPOCH_START + timedelta(days=3), "sqlalchemy"),
            },
            row=dispatch,
        )
        # Duplicated business codes: a later row repeats an earlier one's code.
        self.duplicate(by_id["clients"], "code", pools["clients"], planted, "clients", spacing=" ")
        self.duplicate(by_id["vehicles"], "code", pools["vehicles"], planted, "vehicles")
        self.duplicate(by_id["orders"], "order_number", pools["orders"], planted, "orders")
        self.data.rejects = expected_rejects(rows, planted)

    def duplicate(
        self,
        table_rows: dict[object, dict[str, object]],
        column: str,
        pool: list[object],
        planted: list[Reject],
        table: str,
        spacing: str = "",
    ) -> None:
        first, later = sorted((pool.pop(), pool.pop()))
        code = str(table_rows[first][column]).strip()
        table_rows[first][column] = code
        table_rows[later][column] = code + spacing
        planted.append(Reject(table, later, "duplicate_key", f"{column}={code}"))  # type: ignore[arg-type]


FOREIGN_KEYS = {
    "drivers": {"user_id": "users"},
    "vehicles": {"driver_id": "drivers"},
    "orders": {"client_id": "clients"},
    "dispatches": {"order_id": "orders", "vehicle_id": "vehicles", "driver_id": "drivers"},
}
UNIQUE_KEYS = {
    "users": ["email", "username"],
    "clients": ["code"],
    "vehicles": ["code"],
    "orders": ["order_number"],
    "dispatches": ["dispatch_number"],
}


def expected_rejects(
    rows: dict[str, list[dict[str, object]]], planted: list[Reject]
) -> list[Reject]:
    """Which rows the migration must reject, by the rules the final tables' contracts imply.

    Per table, parents first: a row with planted dirt is rejected for it; a row whose
    foreign key points at a parent that exists but was rejected goes with it
    (parent_rejected); then, among the rows still accepted, the lowest id keeps each
    business key and later repeats are rejected (duplicate_key).
    """
    own = {(r.table, r.key): r for r in planted if r.reason != "duplicate_key"}
    present = {table: {row.get("id") for row in table_rows} for table, table_rows in rows.items()}
    rejected: dict[str, set[object]] = {table: set() for table in rows}
    result: list[Reject] = []
    for table in TABLE_ORDER:
        accepted: list[dict[str, object]] = []
        for row in rows[table]:
            key = row.get("id", row.get("version_num"))
            reject = own.get((table, key)) or _parent_rejected(table, key, row, present, rejected)
            if reject:
                result.append(reject)
                rejected[table].add(key)
            else:
                accepted.append(row)
        for column in UNIQUE_KEYS.get(table, []):
            seen: set[str] = set()
            for row in sorted(accepted, key=lambda r: r["id"]):  # type: ignore[arg-type, return-value]
                value = str(row[column]).strip()
                if row["id"] in rejected[table]:
                    continue
                if value in seen:
                    result.append(Reject(table, row["id"], "duplicate_key", f"{column}={value}"))  # type: ignore[arg-type]
                    rejected[table].add(row["id"])
                seen.add(value)
    return sorted(result, key=lambda r: (TABLE_ORDER.index(r.table), str(r.key), r.reason))


def _parent_rejected(
    table: str,
    key: object,
    row: dict[str, object],
    present: dict[str, set[object]],
    rejected: dict[str, set[object]],
) -> Reject | None:
    for column, parent in FOREIGN_KEYS.get(table, {}).items():
        value = row[column]
        if value is not None and value in present[parent] and value in rejected[parent]:
            return Reject(table, key, "parent_rejected", f"{column}={value}")  # type: ignore[arg-type]
    return None


def write_database(path: Path, data: Dataset) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".partial")
    scratch.unlink(missing_ok=True)
    conn = sqlite3.connect(scratch)
    try:
        conn.executescript(SCHEMA)
        for table in TABLE_ORDER:
            insert_rows(conn, table, COLUMNS[table], data.rows[table])
        for name, seq in data.sqlite_sequence.items():
            conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (seq, name))
        conn.commit()
    finally:
        conn.close()
    scratch.replace(path)


def generate(path: Path, *, orders: int = DEFAULT_ORDERS, seed: int = 4) -> SampleResult:
    if orders >= PROGRESS_FROM:
        print(f"generating the Cold Chain sample: {orders:,} orders (seed {seed})", file=sys.stderr)
    data = ColdChainGenerator(orders, seed).build()
    write_database(path, data)
    counts = {table: len(data.rows[table]) for table in TABLE_ORDER}
    manifest = path.with_suffix(".manifest.json")
    manifest.write_text(
        json.dumps(
            {
                "system": "coldchain",
                "seed": seed,
                "orders": orders,
                "row_counts": counts,
                "sqlite_sequence": data.sqlite_sequence,
                "expected_rejects": [r.as_dict() for r in data.rejects],
                "timestamp_samples": data.stamp_samples,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    return SampleResult(
        database=path, manifest=manifest, row_counts=counts, planted_rejects=len(data.rejects)
    )
