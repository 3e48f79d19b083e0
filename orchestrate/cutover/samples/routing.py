"""Routing ML (seed 000): the Access 97 file behind a routing-prediction app, as a snapshot.

The app predicts an item's manufacturing routing (which processes, in which order) from
its nearest neighbours in embedding space. Its data lived in an Access 97 (Jet 3) `.mdb`
made on Korean Windows, so its text is CP949 (the guide's "인코딩 오류"). This machine
cannot write Access files, so the sample is a **tap-msaccess snapshot**
(`extract/tap-msaccess/README.md`, "Snapshots"): what the tap's Node helper prints for such
a file, value for value (Jet 3 text undecoded, one character per CP949 byte; dates as
`{"$ms": …}`; Currency as `"12.5000"`), plus mdbtools' keys. The tap reads it with
`jet3_charset: CP949`.

The tables are what Access makes by default: CamelCase names, an `ID` Long AutoNumber
primary key, relationships in MSysRelationships that Access never enforced (grbit 0x2), so
deleting an item, a process or a user left rows pointing at nothing.

Dirt, with the reason the migration gives it (manifest, computed in Python by the SPC
sample's contract emulation; `CONTRACTS` is what the final tables promise):
- items with a blank or NULL ItemCode: required_null; an Embedding with 63 numbers:
  cast_failed (vector(64)); their routings and output profiles: parent_rejected
- routings of a deleted item, and one of a deleted process: orphan_fk
- a process entered twice (its code with a trailing blank): duplicate_key
- a 'superuser' account created by hand: check_failed
- audit logs of deleted users: orphan_fk

The same seed and size always give the same bytes.
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from typing import Any

from cutover.samples import PROGRESS_FROM, SampleResult
from cutover.samples.coldchain import Reject
from cutover.samples.spc import PARSERS, Check, Col, ForeignKey, TableContract, expected_rejects

DEFAULT_ITEMS = 1250  # the guide's dry run: 1,250 items, 3,450 routings, 120 processes
FILE_NAME = "routing.mdb.jsonl"
JET3_CHARSET = "cp949"
EMBEDDING_DIM = 64
START = datetime(2016, 3, 2, 9, 0, 0)  # the database went live
END = datetime(2025, 9, 30, 18, 0, 0)  # the copy taken for the migration
EPOCH = datetime(1970, 1, 1)

Row = dict[str, Any]


# == Contract emulation: a staging cast to pgvector's vector(n) ============================

# transform/macros/cleaning/to_vector.sql: a JSON array of exactly n numbers, each within
# float4's range and not underflowing to 0.
_FLOAT4_MAX = Decimal("3.4028235e38")
_FLOAT4_TINY = Decimal("7.006493e-46")


def _not_json(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def parse_vector(text: str, dim: int) -> tuple[float, ...] | None:
    """`to_vector(text, dim)`: the vector, or None where staging gives NULL (cast_failed)."""
    try:
        doc = json.loads(
            text.strip(), parse_float=Decimal, parse_int=Decimal, parse_constant=_not_json
        )
    except ValueError:
        return None
    if not isinstance(doc, list) or len(doc) != dim:
        return None
    if not all(
        isinstance(v, Decimal) and abs(v) <= _FLOAT4_MAX and (v == 0 or abs(v) >= _FLOAT4_TINY)
        for v in doc
    ):
        return None
    return tuple(float(v) for v in doc)


def vector_stage(dim: int) -> str:
    """The stage name of a cast to vector(dim), registered with the SPC contract emulation."""
    name = f"vector({dim})"
    PARSERS.setdefault(name, partial(parse_vector, dim=dim))
    return name


# == The Access schema and the final tables' contracts =====================================

STAGES = {
    "long": "int",
    "integer": "int",
    "double": "float",
    "currency": "num",
    "boolean": "bool",
    "datetime": "ts",
    "text": "clean",
    "memo": "raw",
}
SIZES = {"long": 4, "integer": 2, "double": 8, "currency": 8, "boolean": 0, "datetime": 8}


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Field:
    """An Access column (mdb-reader type name, Text size) and its final column."""

    name: str
    kind: str
    pg_type: str
    size: int = 0
    required: bool = False
    final: str = ""
    stage: str = ""

    @property
    def final_name(self) -> str:
        return self.final or snake(self.name)

    def contract(self) -> Col:
        return Col(self.final_name, self.stage or STAGES[self.kind], self.pg_type, self.required)

    def describe(self) -> dict[str, object]:
        """The column as the helper's `describe` lists it for a Jet 3 file."""
        return {
            "name": self.name,
            "type": self.kind,
            "size": self.size or SIZES.get(self.kind, 0),
            "fixedLength": self.kind not in ("text", "memo"),
            "nullable": True,  # Access never required them: the data has NULLs
            "autoLong": self.name == "ID",
            "autoUUID": False,
        }


def _text(name: str, size: int, pg_size: int | None = None, **kw: Any) -> Field:
    return Field(name, "text", f"varchar({pg_size or size})", size, **kw)


def _id() -> Field:
    return Field("ID", "long", "integer", required=True)


def _when(name: str) -> Field:
    # Access Date/Time keeps milliseconds: the scaffold's rule (access_types.py)
    return Field(name, "datetime", "timestamp(3)")


def _double(name: str) -> Field:
    return Field(name, "double", "double precision")


def _flag(name: str) -> Field:
    return Field(name, "boolean", "boolean", required=True)  # Yes/No is never NULL


@dataclass(frozen=True)
class Table:
    name: str  # Access
    fields: tuple[Field, ...]
    references: tuple[tuple[str, str], ...] = ()  # (column, parent Access table)
    unique: tuple[str, ...] = ()  # columns the final table keeps unique
    access_unique: tuple[str, ...] = ()  # "Indexed: Yes (No Duplicates)" in Access
    checks: tuple[Check, ...] = ()

    @property
    def final(self) -> str:
        return snake(self.name)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def contract(self) -> TableContract:
        fks = tuple(
            ForeignKey(
                f"fk_{self.final}_{self.field(c).final_name}",
                self.field(c).final_name,
                snake(parent),
            )
            for c, parent in self.references
        )
        unique = tuple(
            (f"uq_{self.final}_{self.field(c).final_name}", (self.field(c).final_name,))
            for c in self.unique
        )
        cols = tuple(f.contract() for f in self.fields)
        return TableContract(self.final, "id", cols, self.checks, fks, unique)


ROLES = ("admin", "engineer", "viewer")
TABLES = [
    Table(
        "Items",
        (
            _id(),
            _text("ItemCode", 50, required=True),
            _text("ItemName", 100),
            _text("MaterialCode", 20),
            _text("PartType", 20),
            _double("OuterDiameter"),
            _double("Thickness"),
            _double("LengthMm"),
            Field("UnitWeight", "currency", "numeric(19,4)"),
            Field(
                "Embedding", "memo", f"vector({EMBEDDING_DIM})", stage=vector_stage(EMBEDDING_DIM)
            ),
            _flag("IsActive"),
            _when("CreatedAt"),
            _when("UpdatedAt"),
        ),
        checks=(  # staging trims and blanks become NULL first: required_null, not this
            Check(
                "ck_items_item_code_not_blank",
                "btrim(item_code) <> ''",
                lambda r: None if r["item_code"] is None else r["item_code"].strip() != "",
            ),
        ),
    ),
    Table(
        "Processes",
        (
            _id(),
            _text("ProcessCode", 20, required=True),
            _text("ProcessName", 100),
            _text("WorkCenter", 50),
            _double("StdTimeMin"),
            Field("CostPerHour", "currency", "numeric(19,4)"),
        ),
        unique=("ProcessCode",),
    ),
    Table(
        "RoutingGroups",
        (
            _id(),
            _text("GroupCode", 30, required=True),
            _text("GroupName", 100),
            Field("Description", "memo", "text"),
            _when("CreatedAt"),
        ),
        unique=("GroupCode",),
    ),
    Table(
        "Routings",
        (
            _id(),
            Field("ItemID", "long", "integer", required=True),
            Field("RoutingGroupID", "long", "integer"),
            Field("ProcessID", "long", "integer", required=True),
            Field("SeqNo", "integer", "smallint", required=True),
            _double("SetupTimeMin"),
            _double("RunTimeMin"),
            Field("Remark", "memo", "text"),
            _when("CreatedAt"),
        ),
        references=(
            ("ItemID", "Items"),
            ("RoutingGroupID", "RoutingGroups"),
            ("ProcessID", "Processes"),
        ),
    ),
    Table(
        "OutputProfiles",
        (
            _id(),
            Field("ItemID", "long", "integer"),
            _text("ProfileName", 100),
            _text("OutputFormat", 20),
            Field("Settings", "memo", "jsonb", stage="json"),
            _when("CreatedAt"),
        ),
        references=(("ItemID", "Items"),),
    ),
    Table(
        "Users",
        (
            _id(),
            _text("UserName", 50, required=True, final="user_name"),
            _text("DisplayName", 100),
            _text("Email", 255),
            _text("Role", 20),
            _flag("IsActive"),
            _when("CreatedAt"),
            _when("LastLoginAt"),
        ),
        unique=("UserName",),
        access_unique=("UserName",),
        checks=(
            Check(
                "ck_users_role",
                "role in ('admin', 'engineer', 'viewer')",
                lambda r: None if r["role"] is None else r["role"] in ROLES,
            ),
        ),
    ),
    Table(
        "AuditLogs",
        (
            _id(),
            Field("UserID", "long", "integer"),
            _text("Action", 50),
            _text("EntityType", 50),
            Field("EntityID", "long", "integer"),
            Field("Detail", "memo", "text"),
            _when("LoggedAt"),
            _text("ClientIP", 45),
        ),
        references=(("UserID", "Users"),),
    ),
    Table(
        "ModelMetadata",
        (
            _id(),
            _text("ModelName", 100),
            _text("ModelVersion", 20),
            _when("TrainedAt"),
            Field("EmbeddingDim", "integer", "smallint"),
            Field("Metrics", "memo", "jsonb", stage="json"),
            _text("FilePath", 255),
            _flag("IsActive"),
        ),
    ),
]
CONTRACTS = [t.contract() for t in TABLES]  # parents before children
ACCESS_TABLES = {t.final: t.name for t in TABLES}


# == The data ==============================================================================


@dataclass(frozen=True)
class Material:
    name: str
    density: float  # g/cm3
    weight: int


@dataclass(frozen=True)
class Part:
    name: str
    steps: tuple[str, ...]  # process kinds, in routing order
    diameters: tuple[float, ...]  # () : no outer diameter
    thickness: tuple[float, float] | None
    length: tuple[int, int] | None


MATERIALS = {
    "STS": Material("스테인리스", 7.93, 30),
    "SS400": Material("일반구조용강", 7.85, 30),
    "SM45C": Material("기계구조용강", 7.85, 15),
    "AL6061": Material("알루미늄", 2.70, 12),
    "SCM440": Material("크롬몰리브덴강", 7.85, 8),
    "C1100": Material("터프피치동", 8.89, 5),
}
PIPE_OD = (21.7, 27.2, 34.0, 42.7, 48.6, 60.5, 76.3, 89.1, 114.3, 139.8, 165.2)
PARTS = {
    "PIPE": Part(
        "배관", ("CUT", "BND", "WLD", "GRD", "PLT", "PNT", "INS"), PIPE_OD, (2, 6), (500, 6000)
    ),
    "FLANGE": Part("플랜지", ("CUT", "LTH", "DRL", "DBR", "PLT", "INS"), (95, 400), (12, 40), None),
    "PLATE": Part("판재", ("CUT", "BND", "DRL", "DBR", "PNT", "INS"), (), (3, 50), (100, 2400)),
    "SHAFT": Part(
        "샤프트", ("CUT", "LTH", "MIL", "HTR", "GRD", "INS"), (10, 150), None, (50, 1500)
    ),
    "BRACKET": Part("브래킷", ("CUT", "BND", "DRL", "WLD", "PNT", "INS"), (), (3, 12), (50, 400)),
    "BUSHING": Part("부싱", ("CUT", "LTH", "DRL", "GRD", "INS"), (12, 120), (2, 15), (10, 150)),
    "ELBOW": Part("엘보", ("CUT", "BND", "WLD", "DBR", "PLT", "INS"), PIPE_OD, (2, 6), None),
    "GEAR": Part("기어", ("CUT", "LTH", "MIL", "HTR", "GRD", "INS"), (30, 400), (10, 80), None),
}
PROCESS_KINDS = {  # code: (name, work center)
    "CUT": ("절단", "절단실"),
    "LTH": ("CNC 선반", "가공1팀"),
    "MIL": ("머시닝센터", "가공2팀"),
    "DRL": ("드릴링", "가공2팀"),
    "WLD": ("용접", "용접반"),
    "BND": ("벤딩", "판금반"),
    "GRD": ("연삭", "가공1팀"),
    "HTR": ("열처리", "열처리실"),
    "PLT": ("도금", "외주(표면처리)"),
    "PNT": ("도장", "도장반"),
    "DBR": ("디버링", "사상반"),
    "INS": ("검사", "품질보증팀"),
}
PROCESSES_PER_KIND = 10
TIMES = "\u00d7"  # U+00D7, as Korean spec sheets write Ø60.5 x 3.2t
GROUP_KINDS = ("표준", "소량 다품종", "대량 양산", "외주 연계", "시작품")
SURNAMES = [("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi"), ("정", "jung")]
SURNAMES += [("강", "kang"), ("조", "cho"), ("윤", "yoon"), ("장", "jang"), ("임", "lim")]
GIVEN = [("민준", "minjun"), ("서연", "seoyeon"), ("도윤", "doyun"), ("지우", "jiwoo")]
GIVEN += [("하준", "hajun"), ("수아", "sua"), ("예준", "yejun"), ("지민", "jimin")]
GIVEN += [("현우", "hyunwoo"), ("채원", "chaewon"), ("유진", "yujin"), ("시우", "siwoo")]
REMARKS = [
    "치수 공차 ±0.05 관리",
    "외주 도금 후 재검사",
    "초도품 검사 필수",
    "야간조 작업 가능",
    "지그 No.3 사용",
    "버 제거 철저 (고객 불만 이력)",
]
FORMATS = ("PDF", "XLSX", "CSV", "JSON")
PROFILE_NAMES = ("기본 작업지시서", "공정카드", "원가 분석표", "MES 연동", "고객 제출용")
USERS = 25
DEFAULT_PROFILES = 300
MODELS = 5


def js_number(value: float) -> float | int:
    """A double as JSON.stringify prints it: whole numbers without `.0`."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def raw_text(value: str) -> str:
    """Jet 3 text as the helper hands it over: one character per CP949 byte."""
    return value.encode(JET3_CHARSET).decode("latin-1")


def epoch_ms(value: datetime) -> int:
    return (value - EPOCH) // timedelta(milliseconds=1)


@dataclass
class Dataset:
    """Rows by Access table, values as Python objects, keyed by Access column."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    planted: list[Reject] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


class RoutingGenerator:
    def __init__(self, items: int, seed: int) -> None:
        if items < 100:
            raise ValueError("the Routing sample needs at least 100 items to plant its dirt")
        self.rng = random.Random(seed)
        self.n_items = items
        self.n_routings = items * 69 // 25  # 2.76 steps per item, as in the guide
        self.n_audit = items * 8 // 5
        self.n_profiles = min(DEFAULT_PROFILES, items * 6 // 25)
        self.data = Dataset(rows={t.name: [] for t in TABLES})
        self.rows = self.data.rows
        self.centers: dict[tuple[str, str], list[float]] = {}

    # -- helpers -------------------------------------------------------------------------
    def when(self, start: datetime, days: int) -> datetime:
        return start + timedelta(seconds=self.rng.randrange(days * 86400))

    def between(self, start: datetime, end: datetime = END) -> datetime:
        return start + timedelta(
            seconds=self.rng.randrange(max(int((end - start).total_seconds()), 1))
        )

    def unit(self, dim: int = EMBEDDING_DIM) -> list[float]:
        values = [self.rng.gauss(0, 1) for _ in range(dim)]
        norm = math.sqrt(sum(v * v for v in values))
        return [v / norm for v in values]

    def add(self, table: str, row: Row) -> Row:
        """Append a row with the next AutoNumber."""
        row = {**row, "ID": len(self.rows[table]) + 1}
        self.rows[table].append(row)
        return row

    # -- build ---------------------------------------------------------------------------
    def build(self) -> Dataset:
        self.processes()
        self.groups()
        self.items()
        self.routings()
        self.profiles()
        self.users()
        self.audit_logs()
        self.models()
        self.plant_dirt()
        landed = {t.final: [landed_row(t, row) for row in self.rows[t.name]] for t in TABLES}
        self.data.rejects = expected_rejects(CONTRACTS, landed)
        return self.data

    def processes(self) -> None:
        """Ten of each kind; one more was entered twice, and one was deleted later."""
        for code, (name, center) in PROCESS_KINDS.items():
            for n in range(1, PROCESSES_PER_KIND + 1):
                self.add(
                    "Processes",
                    {
                        "ProcessCode": f"{code}-{n * 10:03d}",
                        "ProcessName": f"{name} {n}호기" if n <= 6 else f"{name} ({n - 6}차 외주)",
                        "WorkCenter": f"{center}-{n:02d}",
                        "StdTimeMin": round(self.rng.uniform(2, 90), 1),
                        "CostPerHour": Decimal(self.rng.randrange(18, 160) * 1000),  # won
                    },
                )
        table = self.rows["Processes"]
        original, self.gone_process = self.rng.sample(table, 2)
        self.twin = self.add(
            "Processes", {**original, "ProcessCode": original["ProcessCode"] + " "}
        )
        self.usable = [p for p in table if p is not self.twin and p is not self.gone_process]

    def groups(self) -> None:
        for part_type, part in PARTS.items():
            for n, kind in enumerate(GROUP_KINDS, 1):
                created = self.when(START, 500)
                lines = [
                    f"적용 품목: {part.name} ({part_type})",
                    f"공정 구성: {' → '.join(part.steps)}",
                ]
                self.add(
                    "RoutingGroups",
                    {
                        "GroupCode": f"RG-{part_type}-{n:02d}",
                        "GroupName": f"{part.name} {kind} 공정",
                        "Description": "\r\n".join(lines) if self.rng.random() < 0.8 else None,
                        "CreatedAt": created,
                    },
                )

    def items(self) -> None:
        """n + 1 items: one of them is deleted when the dirt is planted."""
        families = [(m, p) for m in MATERIALS for p in PARTS]
        weights = [MATERIALS[m].weight for m, _ in families]
        for family in families:
            self.centers[family] = self.unit()
        self.size_axis = self.unit()
        for i in range(1, self.n_items + 2):
            material, part_type = self.rng.choices(families, weights)[0]
            self.item(i, material, part_type)

    def item(self, i: int, material: str, part_type: str) -> None:
        part, mat = PARTS[part_type], MATERIALS[material]
        od = self.diameter(part)
        thickness = round(self.rng.uniform(*part.thickness), 1) if part.thickness else None
        length = float(self.rng.randrange(*part.length) // 10 * 10) if part.length else None
        spec = TIMES.join(
            s
            for s in (
                f"Ø{od:g}" if od else "",
                f"{thickness:g}t" if thickness else "",
                f"{length:g}L" if length else "",
            )
            if s
        )
        created = self.when(START, 3000)
        self.add(
            "Items",
            {
                "ItemCode": f"{part_type}-{material}-{i:05d}",
                "ItemName": f"{mat.name} {part.name} {spec}",
                "MaterialCode": material,
                "PartType": part_type,
                "OuterDiameter": od,
                "Thickness": thickness,
                "LengthMm": length,
                "UnitWeight": self.weight(mat, od, thickness, length),
                "Embedding": json.dumps(self.embedding(material, part_type, od or thickness or 1)),
                "IsActive": self.rng.random() < 0.92,
                "CreatedAt": created,
                "UpdatedAt": created + timedelta(seconds=self.rng.randrange(1, 400 * 86400))
                if self.rng.random() < 0.7
                else None,
            },
        )

    def diameter(self, part: Part) -> float | None:
        if not part.diameters:
            return None
        if len(part.diameters) > 2:
            return self.rng.choice(part.diameters)
        low, high = part.diameters
        return float(self.rng.randrange(int(low), int(high) + 1))

    def weight(
        self, mat: Material, od: float | None, t: float | None, length: float | None
    ) -> Decimal | None:
        """kg from a rough volume (mm3), to Currency's 4 decimals; unknown for a few."""
        if self.rng.random() < 0.05:
            return None
        d, wall, long = od or 80.0, t or (od or 80.0) / 2, length or t or 20.0
        area = math.pi * (d * d - max(d - 2 * wall, 0) ** 2) / 4 if od else d * wall
        kg = Decimal(area * long * mat.density / 1e6)
        return kg.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    def embedding(self, material: str, part_type: str, size: float) -> list[float]:
        """Family centre + a size direction + noise: nearest neighbours share a family."""
        center = self.centers[(material, part_type)]
        scale = 0.05 * math.log10(max(size, 1))
        values = [
            c + scale * s + self.rng.gauss(0, 0.03)
            for c, s in zip(center, self.size_axis, strict=True)
        ]
        norm = math.sqrt(sum(v * v for v in values))
        return [round(v / norm, 6) for v in values]

    def routings(self) -> None:
        """Every item gets 1..len(steps) steps; the total is exactly n_routings."""
        items = self.rows["Items"]
        counts = [1] * len(items)
        extra = self.n_routings - len(items)
        while extra:
            i = self.rng.randrange(len(items))
            if counts[i] < len(PARTS[items[i]["PartType"]].steps):
                counts[i] += 1
                extra -= 1
        by_kind: dict[str, list[Row]] = {}
        for process in self.usable:
            by_kind.setdefault(process["ProcessCode"][:3], []).append(process)
        groups = self.rows["RoutingGroups"]
        self.routings_of: dict[int, list[Row]] = {}
        for item, count in zip(items, counts, strict=True):
            steps = PARTS[item["PartType"]].steps
            chosen = sorted(self.rng.sample(range(len(steps)), count))
            part_index = list(PARTS).index(item["PartType"])
            group = groups[part_index * len(GROUP_KINDS) + self.rng.randrange(len(GROUP_KINDS))]
            created = item["CreatedAt"] + timedelta(seconds=self.rng.randrange(60, 30 * 86400))
            for seq, step in enumerate(chosen, 1):
                process = self.rng.choice(by_kind[steps[step]])
                row = self.add(
                    "Routings",
                    {
                        "ItemID": item["ID"],
                        "RoutingGroupID": group["ID"] if self.rng.random() < 0.97 else None,
                        "ProcessID": process["ID"],
                        "SeqNo": seq * 10,
                        "SetupTimeMin": round(self.rng.uniform(5, 60), 1),
                        "RunTimeMin": round(process["StdTimeMin"] * self.rng.uniform(0.5, 2), 2),
                        "Remark": self.remark(),
                        "CreatedAt": created,
                    },
                )
                self.routings_of.setdefault(item["ID"], []).append(row)

    def remark(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.75:
            return None
        return "" if roll < 0.8 else self.rng.choice(REMARKS)

    def profiles(self) -> None:
        items = self.rows["Items"]
        for _ in range(self.n_profiles):
            item = self.rng.choice(items)
            fmt = self.rng.choice(FORMATS)
            settings = {
                "paper": self.rng.choice(["A4", "A3"]),
                "orientation": self.rng.choice(["portrait", "landscape"]),
                "include_cost": self.rng.random() < 0.5,
                "columns": self.rng.sample(["공정", "설비", "표준시간", "비고", "원가"], 3),
                "lang": "ko",
            }
            self.add(
                "OutputProfiles",
                {
                    "ItemID": item["ID"],
                    "ProfileName": f"{self.rng.choice(PROFILE_NAMES)} ({fmt})",
                    "OutputFormat": fmt,
                    "Settings": json.dumps(settings, ensure_ascii=self.rng.random() < 0.5),
                    "CreatedAt": self.between(item["CreatedAt"]),
                },
            )

    def users(self) -> None:
        """USERS + 2 accounts: two leave (deleted when the dirt is planted, 1 log line each)."""
        names: set[str] = set()
        for i in range(1, USERS + 3):
            surname, roman_surname = self.rng.choice(SURNAMES)
            given, roman_given = self.rng.choice(GIVEN)
            username = f"{roman_given}.{roman_surname}"
            while username in names:
                username += str(self.rng.randrange(10))
            names.add(username)
            role = "admin" if i <= 2 else self.rng.choice(("engineer", "engineer", "viewer"))
            if i == 1:
                username, surname, given = "admin", "시스템", "관리자"
            if i == 3:  # an account IT added by hand, with a role the app never had
                username, surname, given, role = "sysadmin", "전산실", "", "superuser"
            created = self.when(START, 2000) if i > 3 else START + timedelta(minutes=i)
            self.add(
                "Users",
                {
                    "UserName": username,
                    "DisplayName": f"{surname}{given}",
                    "Email": f"{username}@company.com" if self.rng.random() < 0.9 else None,
                    "Role": role,
                    "IsActive": self.rng.random() < 0.9 or i <= 3,
                    "CreatedAt": created,
                    "LastLoginAt": None,
                },
            )
        self.leavers = self.rng.sample(self.rows["Users"][3:], 2)

    def audit_logs(self) -> None:
        """The app's log, in time order; the users' LastLoginAt follows from it."""
        users = self.rows["Users"]
        staff = [u for u in users if u["Role"] != "superuser" and u not in self.leavers]
        events = []
        for n in range(self.n_audit):
            user = self.leavers[n] if n < len(self.leavers) else self.rng.choice(staff)
            events.append((self.between(user["CreatedAt"]), user))
        events.sort(key=lambda event: (event[0], event[1]["ID"]))
        for at, user in events:
            self.audit_log(user, at)

    def audit_log(self, user: Row, at: datetime) -> Row:
        action = self.rng.choices(
            ("LOGIN", "PREDICT", "UPDATE", "CREATE", "EXPORT", "DELETE", "LOGOUT"),
            (40, 25, 12, 8, 8, 2, 5),
        )[0]
        items = self.rows["Items"]
        item = self.rng.choice(items)
        entity, detail = {
            "LOGIN": (("Session", None), "로그인 성공"),
            "LOGOUT": (("Session", None), "로그아웃"),
            "PREDICT": (
                ("Item", item["ID"]),
                json.dumps({"item_code": item["ItemCode"], "top_k": 5}, ensure_ascii=False),
            ),
            "UPDATE": (("Item", item["ID"]), f"품목 {item['ItemCode']} 수정: 단위중량 변경"),
            "CREATE": (("Routing", self.rng.randrange(1, self.n_routings)), "라우팅 추가"),
            "EXPORT": (
                ("OutputProfile", self.rng.randrange(1, self.n_profiles + 1)),
                f"작업지시서 출력 ({self.rng.choice(FORMATS)})",
            ),
            "DELETE": (("Routing", self.rng.randrange(1, self.n_routings)), "라우팅 삭제"),
        }[action]
        if action == "LOGIN":
            user["LastLoginAt"] = at
        return self.add(
            "AuditLogs",
            {
                "UserID": user["ID"],
                "Action": action,
                "EntityType": entity[0],
                "EntityID": entity[1],
                "Detail": detail,
                "LoggedAt": at,
                "ClientIP": self.client_ip(),
            },
        )

    def client_ip(self) -> str:
        if self.rng.random() < 0.05:
            return "fe80::" + ":".join(f"{self.rng.getrandbits(16):x}" for _ in range(4))
        subnet, host = self.rng.randrange(10, 31), self.rng.randrange(256 * 254)
        return f"10.{subnet}.{host // 254}.{host % 254 + 1}"

    def models(self) -> None:
        trained = datetime(2023, 5, 8, 14, 0, 0)
        for n in range(MODELS):
            trained += timedelta(
                days=self.rng.randrange(60, 150), seconds=self.rng.randrange(86400)
            )
            version = f"1.{n}.0"
            metrics = {
                "top1_accuracy": round(0.68 + 0.03 * n + self.rng.uniform(-0.01, 0.01), 4),
                "top3_accuracy": round(0.85 + 0.02 * n, 4),
                "mean_cosine": round(self.rng.uniform(0.9, 0.96), 4),
                "n_items": self.n_items - 40 * (MODELS - n),
            }
            self.add(
                "ModelMetadata",
                {
                    "ModelName": "routing-knn",
                    "ModelVersion": f"v{version}",
                    "TrainedAt": trained,
                    "EmbeddingDim": EMBEDDING_DIM,
                    "Metrics": json.dumps(metrics),
                    "FilePath": f"\\\\ml-server\\models\\routing_knn_v{version}.joblib",
                    "IsActive": n == MODELS - 1,
                },
            )

    # -- dirt ----------------------------------------------------------------------------
    def plant_dirt(self) -> None:
        """Break chosen rows, each from a pool no other dirt touches, and note the reason."""
        items = self.rows["Items"]
        profiled = {p["ItemID"] for p in self.rows["OutputProfiles"]}
        gone = self.rng.choice(
            [i for i in items if len(self.routings_of[i["ID"]]) == 3 and i["ID"] not in profiled]
        )
        bad = self.rng.sample([i for i in items if i["ID"] in profiled and i is not gone], 4)
        # An item deleted in the app's form; Access did not stop it, its 3 routings stay.
        items.remove(gone)
        for routing in self.routings_of[gone["ID"]]:
            self.plant("Routings", routing, "orphan_fk", f"item_id={gone['ID']}", {})
        self.plant("Items", bad[0], "required_null", "item_code", {"ItemCode": ""})
        self.plant("Items", bad[1], "required_null", "item_code", {"ItemCode": "   "})
        self.plant("Items", bad[2], "required_null", "item_code", {"ItemCode": None})
        short = json.dumps(json.loads(bad[3]["Embedding"])[:-1])  # a model export cut short
        self.plant("Items", bad[3], "cast_failed", f"embedding={short[:80]}", {"Embedding": short})
        clean = [r for i in items if i not in bad for r in self.routings_of[i["ID"]]]
        lost = self.rng.choice(clean)
        detail = f"process_id={self.gone_process['ID']}"
        self.plant("Routings", lost, "orphan_fk", detail, {"ProcessID": self.gone_process["ID"]})
        self.rows["Processes"].remove(self.gone_process)
        twin = self.twin
        self.data.planted.append(
            Reject(
                "processes",
                twin["ID"],
                "duplicate_key",
                f"process_code={twin['ProcessCode'].strip()}",
            )
        )
        self.plant_user_dirt()
        self.cp949_only_text(clean)

    def plant(self, table: str, row: Row, reason: str, detail: str, change: Row) -> None:
        row.update(change)
        self.data.planted.append(Reject(snake(table), row["ID"], reason, detail))

    def plant_user_dirt(self) -> None:
        users = self.rows["Users"]
        sysadmin = next(u for u in users if u["Role"] == "superuser")
        self.plant("Users", sysadmin, "check_failed", "ck_users_role", {})
        # Two accounts deleted when their owners left; their log lines stay.
        for leaver in self.leavers:
            users.remove(leaver)
            for log in self.rows["AuditLogs"]:
                if log["UserID"] == leaver["ID"]:
                    self.plant("AuditLogs", log, "orphan_fk", f"user_id={leaver['ID']}", {})

    def cp949_only_text(self, clean_routings: list[Row]) -> None:
        """Syllables outside KS X 1001 (EUC-KR): only CP949's extension encodes them."""
        users = self.rows["Users"]
        users[-1]["DisplayName"] = "이똠"
        self.rng.choice(clean_routings)["Remark"] = "똠방각하 요청: 공정 순서 변경"
        self.rng.choice(self.rows["AuditLogs"])["Detail"] = "사용자 '이똠' 권한 변경 (햏)"


def landed_row(table: Table, row: Row) -> Row:
    """The row as the raw layer holds it: final names, the tap's values (dates as text)."""
    out: Row = {}
    for f in table.fields:
        value = row[f.name]
        if isinstance(value, datetime):
            value = value.isoformat(sep=" ")
        out[f.final_name] = value
    return out


# == The snapshot ===========================================================================


def helper_value(f: Field, value: Any) -> Any:
    """A value as the Node helper prints it for a Jet 3 file."""
    if value is None:
        return None
    if f.kind in ("text", "memo"):
        return raw_text(value)
    if f.kind == "datetime":
        return {"$ms": epoch_ms(value)}
    if f.kind == "currency":
        return f"{value:.4f}"
    if f.kind == "double":
        return js_number(value)
    return value


def _line(value: Any, *, compact: bool = True) -> str:
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(value, ensure_ascii=False, separators=separators) + "\n"


def describe(data: Dataset) -> dict[str, Any]:
    relationships = []
    for table in TABLES:
        for column, parent in table.references:
            relationships.append(
                {
                    "szRelationship": f"{parent}{table.name}",
                    "grbit": 2,  # "don't enforce": Access let both sides change freely
                    "ccolumn": 1,
                    "icolumn": 0,
                    "szObject": table.name,
                    "szColumn": column,
                    "szReferencedObject": parent,
                    "szReferencedColumn": "ID",
                }
            )
    tables = [
        {
            "name": t.name,
            "columns": [f.describe() for f in t.fields],
            "error": None,
            "header_row_count": len(data.rows[t.name]),
            "lvprop": None,
        }
        for t in TABLES
    ]
    return {
        "tables": tables,
        "linked": [],
        "queries": [],
        "relationships": sorted(relationships, key=lambda r: r["szRelationship"]),
        "relationships_error": None,
        "password_protected": False,
        "creation_date": None,
    }


def header() -> dict[str, Any]:
    """What `tap-msaccess-snapshot` writes first: the format and mdbtools' keys."""
    keys = {
        t.name: {
            "primary_key": ["ID"],
            "unique_indexes": [[f"{t.name}_{c}_idx", [c]] for c in t.access_unique],
            "unknown_columns": [],
        }
        for t in TABLES
    }
    return {
        "$snapshot": "tap-msaccess",
        "version": 1,
        "format": "Jet3",
        "source": "routing.mdb",
        "encrypted": False,
        "schema_info": {"tables": keys, "error": None},
    }


def snapshot_lines(data: Dataset) -> Iterator[str]:
    yield _line(header(), compact=False)
    yield _line(describe(data))
    for table in TABLES:
        yield _line({"$table": table.name}, compact=False)
        rows = data.rows[table.name]
        if len(rows) >= PROGRESS_FROM:
            print(f"  writing {table.name}: {len(rows):,} rows", file=sys.stderr)
        for row in rows:
            yield _line({f.name: helper_value(f, row[f.name]) for f in table.fields})
        yield _line({"$end": {"rows": len(rows)}})


def write_snapshot(path: Path, data: Dataset) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".partial")
    with scratch.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(snapshot_lines(data))
    scratch.replace(path)


def manifest_path(path: Path) -> Path:
    """`routing.mdb.jsonl` -> `routing.manifest.json`."""
    return path.with_name(path.name.split(".")[0] + ".manifest.json")


def write_manifest(path: Path, items: int, seed: int, data: Dataset) -> Path:
    """The manifest every sample writes beside its database (the SPC sample's shape)."""
    manifest = manifest_path(path)
    manifest.write_text(
        json.dumps(
            {
                "system": "routing",
                "seed": seed,
                "items": items,
                "row_counts": {t.final: len(data.rows[t.name]) for t in TABLES},
                "source": {
                    "kind": "tap-msaccess snapshot",
                    "format": "Jet3",
                    "jet3_charset": "CP949",
                    "access_tables": ACCESS_TABLES,
                },
                "expected_rejects": [r.as_dict() for r in data.rejects],
                "contract": {c.table: c.describe() for c in CONTRACTS},
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return manifest


def generate(path: Path, *, items: int = DEFAULT_ITEMS, seed: int = 4) -> SampleResult:
    if items >= PROGRESS_FROM:
        print(f"generating the Routing sample: {items:,} items (seed {seed})", file=sys.stderr)
    data = RoutingGenerator(items, seed).build()
    write_snapshot(path, data)
    manifest = write_manifest(path, items, seed, data)
    counts = {t.final: len(data.rows[t.name]) for t in TABLES}
    return SampleResult(
        database=path, manifest=manifest, row_counts=counts, planted_rejects=len(data.rejects)
    )
