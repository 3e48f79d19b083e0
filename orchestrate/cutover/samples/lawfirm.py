"""LawFirm AI (seed 003): `data/api_sessions.db`, the chat store of a Korean legal assistant.

The FastAPI app's SessionService creates two tables with raw `sqlite3` (no ORM, no
migrations): `sessions` (TEXT primary key, a uuid4) and `messages` (TEXT primary key,
FOREIGN KEY to sessions, never enforced: SQLite's foreign_keys is off). `user_id` and
`ip_address` came later by ALTER TABLE; the migration guide adds the indexes on
sessions(user_id) and messages(timestamp) to the app's own two. JSON lives in TEXT
columns (`metadata`), written by `json.dumps` (\\uXXXX escapes) or with ensure_ascii=False.

Timestamps come from five writers: `datetime.now()` through the sqlite3 adapter (the
server runs in UTC: `2024-03-05 14:22:10.123456`), CURRENT_TIMESTAMP defaults, the web
front end's `toISOString()` (`...T...Z`), `datetime.now(KST).isoformat()` (`+09:00`) and
the streaming handler's `time.time()` (epoch seconds as a REAL).

Dirt, with the reason the migration gives it (manifest, computed in Python):
- messages left behind by a cleanup that deleted old sessions only: orphan_fk
- a blank role and a blank session_id from broken streams: required_null
- LangChain's role name 'ai' from the first version: check_failed
- `json.dumps` of a NaN confidence, a truncated session metadata: cast_failed
- the front end's 'Invalid Date': cast_failed
- an X-Forwarded-For chain in ip_address (varchar(45) in PostgreSQL): too_long
- the messages of a rejected session: parent_rejected
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cutover.samples import PROGRESS_FROM, SampleResult, insert_rows
from cutover.samples.coldchain import Reject
from cutover.samples.spc import (
    KST,
    Check,
    Col,
    Dataset,
    ForeignKey,
    StampBook,
    StampFormat,
    TableContract,
    current_samples,
    expected_rejects,
    write_manifest,
)

DEFAULT_MESSAGES = 3000
START = datetime(2024, 9, 2, 0, 0, 0)
EPOCH = datetime(1970, 1, 1)

Row = dict[str, Any]

# As SessionService._init_database() runs them, then the later columns and the guide's
# indexes ("인덱스 최적화").
SCHEMA = [
    """CREATE TABLE IF NOT EXISTS sessions (
                    session_id TEXT PRIMARY KEY,
                    title TEXT,
                    category TEXT,
                    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
                    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
                    message_count INTEGER DEFAULT 0,
                    metadata TEXT
                )""",
    """CREATE TABLE IF NOT EXISTS messages (
                    message_id TEXT PRIMARY KEY,
                    session_id TEXT NOT NULL,
                    role TEXT NOT NULL,
                    content TEXT NOT NULL,
                    timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
                    metadata TEXT,
                    FOREIGN KEY (session_id) REFERENCES sessions(session_id)
                )""",
    """CREATE INDEX IF NOT EXISTS idx_messages_session_id
                ON messages(session_id)""",
    """CREATE INDEX IF NOT EXISTS idx_sessions_updated_at
                ON sessions(updated_at)""",
    "ALTER TABLE sessions ADD COLUMN user_id TEXT",
    "ALTER TABLE sessions ADD COLUMN ip_address TEXT",
    "CREATE INDEX IF NOT EXISTS idx_sessions_user_id ON sessions(user_id)",
    "CREATE INDEX IF NOT EXISTS idx_messages_timestamp ON messages(timestamp)",
]
COLUMNS = {
    "sessions": [
        "session_id",
        "title",
        "category",
        "created_at",
        "updated_at",
        "message_count",
        "metadata",
        "user_id",
        "ip_address",
    ],
    "messages": ["message_id", "session_id", "role", "content", "timestamp", "metadata"],
}
TABLE_ORDER = ["sessions", "messages"]
ROLES = ("user", "assistant", "system")

# The PostgreSQL schema of scripts/database/init_postgresql.py, plus the app's own rules
# (a message needs a session and a known role).
CONTRACTS = [
    TableContract(
        "sessions",
        "session_id",
        (
            Col("session_id", "clean", "varchar(255)", True),
            Col("title", "raw", "text"),
            Col("category", "clean", "text"),
            Col("created_at", "ts", "timestamp"),
            Col("updated_at", "ts", "timestamp"),
            Col("message_count", "int", "integer"),
            Col("metadata", "json", "jsonb"),
            Col("user_id", "clean", "varchar(255)"),
            Col("ip_address", "clean", "varchar(45)"),
        ),
        checks=(
            Check(
                "ck_sessions_message_count",
                "message_count >= 0",
                lambda r: None if r["message_count"] is None else r["message_count"] >= 0,
            ),
        ),
    ),
    TableContract(
        "messages",
        "message_id",
        (
            Col("message_id", "clean", "varchar(255)", True),
            Col("session_id", "clean", "varchar(255)", True),
            Col("role", "clean", "varchar(50)", True),
            Col("content", "raw", "text", True),
            Col("timestamp", "ts", "timestamp"),
            Col("metadata", "json", "jsonb"),
        ),
        checks=(
            Check(
                "ck_messages_role",
                "role in ('user', 'assistant', 'system')",
                lambda r: None if r["role"] is None else r["role"] in ROLES,
            ),
        ),
        foreign_keys=(
            ForeignKey("fk_messages_session_id", "session_id", "sessions", "session_id"),
        ),
    ),
]

STAMPS = {
    # datetime.now() through sqlite3's default adapter (str), the server running in UTC.
    "py_sqlite3": StampFormat(str, "us"),
    # Rows inserted without the column: DEFAULT CURRENT_TIMESTAMP.
    "current_timestamp": StampFormat(lambda utc: utc.strftime("%Y-%m-%d %H:%M:%S"), "s"),
    # The web front end's new Date().toISOString(), synced from localStorage.
    "iso_z": StampFormat(
        lambda utc: utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z",
        "ms",
    ),
    # datetime.now(KST).isoformat(), after the KST fix.
    "iso_kst": StampFormat(
        lambda utc: (utc + KST).strftime("%Y-%m-%dT%H:%M:%S.%f") + "+09:00", "us"
    ),
    # The streaming handler's time.time(): a REAL in a TIMESTAMP column.
    "epoch_float": StampFormat(lambda utc: round((utc - EPOCH).total_seconds(), 6), "us"),
}
# Session writers: the format of their own and their messages' timestamps, and weight.
WRITERS = {"current_timestamp": 10, "py_sqlite3": 65, "iso_kst": 10, "iso_z": 15}


TOPICS: dict[str, dict[str, list[str]]] = {
    "부동산": {
        "questions": [
            "전세 계약이 끝났는데 집주인이 보증금을 돌려주지 않아요. 어떻게 해야 하나요? 😢",
            "임대인이 실거주하겠다며 계약 갱신을 거절합니다. 계약갱신요구권을 쓸 수 있나요?",
            "월세를 두 달 밀렸는데 집주인이 당장 나가라고 합니다. 바로 나가야 하나요? 🏠",
        ],
        "titles": [
            "전세보증금 반환 절차 문의",
            "계약갱신요구권 행사 가능 여부",
            "월세 연체와 명도",
        ],
        "laws": [
            "주택임대차보호법 제3조의3 (임차권등기명령)",
            "주택임대차보호법 제6조의3 (계약갱신 요구 등)",
            "민법 제640조 (차임연체와 해지)",
        ],
    },
    "노동": {
        "questions": [
            "회사에서 갑자기 해고 통보를 문자로 받았습니다. 부당해고 구제신청은 어떻게 하나요?",
            "퇴직금을 못 받았는데 회사가 폐업했어요. 대지급금 신청이 가능한가요? 💼",
            "주 52시간을 넘겨 일했는데 연장근로수당을 안 줍니다.",
        ],
        "titles": ["문자 해고 통보와 구제신청", "폐업 회사 퇴직금 대지급금", "연장근로수당 미지급"],
        "laws": [
            "근로기준법 제23조 (해고 등의 제한)",
            "근로기준법 제27조 (해고사유 등의 서면통지)",
            "임금채권보장법 제7조 (퇴직한 근로자에 대한 대지급금의 지급)",
            "근로기준법 제56조 (연장·야간 및 휴일 근로)",
        ],
    },
    "민사": {
        "questions": [
            "중고거래 사기를 당했어요 💸 상대방 계좌번호만 아는데 돈을 돌려받을 수 있을까요?",
            "층간소음 때문에 너무 힘듭니다. 법적으로 손해배상 청구가 가능한가요?",
            "교통사고 과실비율에 동의할 수 없어요. 소송으로 가면 어떻게 되나요? 🚗",
        ],
        "titles": ["중고거래 사기 피해 회복", "층간소음 손해배상", "교통사고 과실비율 다툼"],
        "laws": [
            "민법 제750조 (불법행위의 내용)",
            "민법 제390조 (채무불이행과 손해배상)",
            "소액사건심판법 제2조 (적용범위 등)",
            "민사소송법 제248조 (소제기의 방식)",
        ],
    },
    "가사": {
        "questions": [
            "이혼할 때 재산분할 비율은 보통 어떻게 정해지나요?",
            "양육비를 안 주는 전 배우자에게 어떤 조치를 할 수 있나요? 👶",
        ],
        "titles": ["이혼 재산분할 비율", "양육비 미지급 대응"],
        "laws": [
            "민법 제839조의2 (재산분할청구권)",
            "민법 제837조 (이혼과 자의 양육책임)",
            "양육비 이행확보 및 지원에 관한 법률 제14조",
        ],
    },
    "형사": {
        "questions": [
            "명예훼손으로 고소하겠다는 연락을 받았습니다. 제가 쓴 댓글이 문제가 될까요?",
            "음주운전 초범인데 처벌 수위가 어느 정도인가요? 🍺🚓",
        ],
        "titles": ["온라인 댓글 명예훼손 고소", "음주운전 초범 처벌"],
        "laws": [
            "형법 제307조 (명예훼손)",
            "정보통신망 이용촉진 및 정보보호 등에 관한 법률 제70조",
            "도로교통법 제148조의2 (벌칙)",
        ],
    },
    "행정": {
        "questions": ["식당이 영업정지 처분을 받았는데 행정심판으로 다툴 수 있을까요?"],
        "titles": ["영업정지 처분 행정심판"],
        "laws": [
            "행정심판법 제27조 (심판청구의 기간)",
            "행정소송법 제20조 (제소기간)",
            "식품위생법 제75조 (허가취소 등)",
        ],
    },
}
FOLLOW_UPS = [
    "감사합니다! 그럼 내용증명은 어떻게 작성하나요?",
    "소송 비용은 대략 얼마나 드나요? 💰",
    "기간 제한이 있나요? ⏰",
    "변호사 없이 혼자 진행해도 될까요?",
    "관련 판례도 알려주세요 📚",
    "카톡 대화 캡처도 증거로 인정되나요?",
    "상대방이 연락을 피하면 어떻게 하죠?",
    "정리해 주셔서 이해가 잘 됐어요 🙏",
]
STEPS = [
    "증거 자료(계약서, 문자·카카오톡 대화, 이체 내역)를 날짜순으로 정리합니다.",
    "상대방에게 내용증명 우편으로 이행을 최고(催告)합니다.",
    "대한법률구조공단(☎ 132) 또는 지방변호사회 무료 법률상담을 이용해 보세요.",
    "지급명령 신청은 인지대가 소송의 1/10이라 비용 부담이 적습니다.",
    "조정이 성립하지 않으면 본안 소송으로 넘어갑니다.",
    "판결 후에도 이행하지 않으면 강제집행(압류·추심)을 신청할 수 있습니다.",
]
FILLER = [
    "구체적인 사실관계에 따라 결론이 달라질 수 있으므로, 아래 내용은 일반적인 기준으로 "
    "참고하시기 바랍니다. 특히 기간 계산은 초일 불산입 원칙에 따라 다음 날부터 셉니다.",
    "법원은 당사자가 제출한 증거를 종합하여 판단하므로, 주장만으로는 부족하고 이를 "
    "뒷받침할 객관적인 자료가 중요합니다. 녹취는 대화 당사자가 녹음한 경우 원칙적으로 "
    "증거능력이 인정됩니다.",
    "비슷한 사안에서 대법원은 신의성실의 원칙을 들어 일방의 권리 행사를 제한한 사례가 "
    "있습니다 (대법원 2019다272855 판결 참조). 다만 모든 사안에 그대로 적용되지는 않습니다.",
    "📌 참고: 소송가액이 3,000만 원 이하라면 소액사건으로 처리되어 비교적 신속하게 "
    "진행되며, 변론기일도 1회로 끝나는 경우가 많습니다.",
    "상대방의 주소를 모르는 경우에도 전화번호나 계좌번호로 사실조회 신청을 하여 인적 "
    "사항을 확인할 수 있습니다. 주소가 확인되지 않으면 공시송달 절차를 거치게 됩니다.",
    "합의를 진행하신다면 합의서에 지급 금액, 지급 기한, 불이행 시 위약금, 그리고 "
    "'향후 민·형사상 이의를 제기하지 않는다'는 부제소 문구를 명확히 적어 두세요. ✍️",
    "시효가 완성되면 권리를 행사할 수 없으므로, 시효 중단 사유(재판상 청구, 압류·가압류·"
    "가처분, 승인)에 해당하는 조치를 미리 해 두는 것이 안전합니다.",
]
COSTS = (
    "## 예상 기간과 비용\n"
    "| 절차 | 기간 | 비용(대략) |\n|---|---|---|\n"
    "| 내용증명 | 1~2주 | 약 5천 원 |\n"
    "| 지급명령 | 1~2개월 | 인지대 + 송달료 |\n"
    "| 민사 본안 소송 | 6개월~1년 | 인지대 + 송달료 + 변호사 보수 |"
)
DISCLAIMER = (
    "\n\n---\n⚖️ 본 답변은 일반적인 법률 정보 제공을 목적으로 하며 법률 자문이 아닙니다. "
    "구체적인 사안은 👩\u200d⚖️ 변호사와 상담하시기 바랍니다."
)
ANSWER_VARIANTS = 40
MODELS = ["gemini-2.5-flash", "gemini-2.0-flash", "gemini-1.5-pro"]


class LawFirmGenerator:
    def __init__(self, messages: int, seed: int) -> None:
        if messages < 100:
            raise ValueError("the LawFirm sample needs at least 100 messages to plant its dirt")
        self.rng = random.Random(seed)
        self.n_messages = messages
        self.stamps = StampBook(STAMPS)
        self.data = Dataset(rows={"sessions": [], "messages": []})
        self.answers: dict[tuple[str, str], list[str]] = {}
        self.rows = self.data.rows

    # -- helpers -------------------------------------------------------------------------
    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def stamp(self, utc: datetime, fmt: str, table: str, key: str, column: str) -> object:
        return self.stamps.stamp(utc, fmt, table, key, column)

    def to_json(self, value: object) -> str:
        """json.dumps as the app calls it (ASCII escapes), or as the stream handler does."""
        return json.dumps(value, ensure_ascii=self.rng.random() < 0.8)

    # -- build ---------------------------------------------------------------------------
    def build(self) -> Dataset:
        while len(self.rows["messages"]) < self.n_messages:
            self.session()
        self.plant_dirt()
        self.data.contracts = CONTRACTS
        self.data.rejects = expected_rejects(CONTRACTS, self.rows)
        keys = {"sessions": "session_id", "messages": "message_id"}
        self.data.stamp_samples = current_samples(self.stamps.samples, self.rows, keys)
        return self.data

    def session(self) -> None:
        category = self.rng.choice(list(TOPICS))
        topic = TOPICS[category]
        asked = self.rng.randrange(len(topic["questions"]))
        writer = self.rng.choices(list(WRITERS), list(WRITERS.values()))[0]
        if len(self.rows["sessions"]) < len(WRITERS):  # one of each writer, at any size
            writer = list(WRITERS)[len(self.rows["sessions"])]
        session_id = self.uuid4()
        created = START + timedelta(
            seconds=self.rng.randrange(500 * 86400), microseconds=self.rng.randrange(10**6)
        )
        session: Row = {"session_id": session_id}
        self.rows["sessions"].append(session)
        at = created + timedelta(seconds=self.rng.randrange(1, 20), microseconds=137_000)
        pairs = self.rng.choices(range(1, 7), (30, 25, 18, 12, 9, 6))[0]
        count, last = 0, at
        for turn in range(pairs):
            question = topic["questions"][asked] if turn == 0 else self.rng.choice(FOLLOW_UPS)
            for role in ("user", "assistant"):
                if len(self.rows["messages"]) == self.n_messages:
                    break
                text = question if role == "user" else self.answer(category, question)
                self.message(session_id, role, text, at, writer, category)
                count, last = count + 1, at
                at += timedelta(seconds=self.rng.uniform(4, 40))
            at += timedelta(minutes=self.rng.uniform(1, 30))
        v1 = writer == "current_timestamp"
        session.update(
            {
                "title": None if self.rng.random() < 0.1 else topic["titles"][asked],
                "category": category if self.rng.random() < 0.85 else None,
                "created_at": self.stamp(created, writer, "sessions", session_id, "created_at"),
                "updated_at": self.stamp(last, writer, "sessions", session_id, "updated_at"),
                "message_count": count,
                "metadata": None if v1 else self.session_metadata(),
                "user_id": None if v1 else self.user_id(),
                "ip_address": None if v1 else self.ip_address(),
            }
        )

    def session_metadata(self) -> str | None:
        if self.rng.random() < 0.3:
            return None
        return self.to_json(
            {
                "client": self.rng.choice(["web", "mobile_web", "kakao_channel"]),
                "app_version": f"1.{self.rng.randrange(2, 6)}.{self.rng.randrange(10)}",
                "thread_id": self.uuid4(),
                "referrer": self.rng.choice(["검색광고", "블로그 후기", None]),
            }
        )

    def user_id(self) -> str | None:
        kind = self.rng.choices(("anonymous", "google", "kakao", None), (50, 30, 15, 5))[0]
        if kind == "anonymous":
            return f"anonymous_{self.rng.getrandbits(64):016x}"
        if kind == "google":
            return f"google_{self.rng.randrange(10**20, 10**21)}"
        return f"kakao_{self.rng.randrange(10**9, 10**10)}" if kind else None

    def ip_address(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.1:
            return None
        if roll < 0.8:
            return ".".join(str(self.rng.randrange(1, 255)) for _ in range(4))
        groups = (f"{self.rng.getrandbits(16):x}" for _ in range(4))
        return "2001:db8:" + ":".join(groups) + "::1"

    def answer(self, category: str, question: str) -> str:
        """One of up to ANSWER_VARIANTS answers per question (bounded memory at any size)."""
        pool = self.answers.setdefault((category, question), [])
        if len(pool) < ANSWER_VARIANTS:
            pool.append(self.compose_answer(category, question))
            return pool[-1]
        return self.rng.choice(pool)

    def compose_answer(self, category: str, question: str) -> str:
        laws = self.rng.sample(TOPICS[category]["laws"], 2)
        steps = self.rng.sample(STEPS, self.rng.randrange(3, 6))
        parts = [
            f"질문 주셔서 감사합니다. 말씀하신 내용(“{question[:40]}”)을 기준으로 정리해 "
            "드리겠습니다. 🙂",
            "## 핵심 요약\n" + "\n".join(f"- {law}이(가) 적용될 수 있습니다." for law in laws),
            *self.rng.sample(FILLER, self.rng.randrange(1, len(FILLER) + 1)),
            "## 절차 안내\n" + "\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1)),
            *([COSTS] if self.rng.random() < 0.5 else []),
            "## 관련 법령\n" + "\n".join(f"> {law}" for law in laws),
        ]
        return "\n\n".join(parts) + DISCLAIMER

    def message(
        self, session_id: str, role: str, text: str, at: datetime, writer: str, category: str
    ) -> None:
        message_id = self.uuid4()
        fmt = writer
        if writer == "py_sqlite3" and role == "assistant" and self.rng.random() < 0.2:
            fmt = "epoch_float"
        self.rows["messages"].append(
            {
                "message_id": message_id,
                "session_id": session_id,
                "role": role,
                "content": text,
                "timestamp": self.stamp(at, fmt, "messages", message_id, "timestamp"),
                "metadata": self.message_metadata(role, category),
            }
        )

    def message_metadata(self, role: str, category: str) -> str | None:
        if role == "user":
            if self.rng.random() < 0.9:
                return None
            size = self.rng.randrange(20_000, 900_000)
            return self.to_json({"attachments": [{"name": "임대차계약서.pdf", "size": size}]})
        law = self.rng.choice(TOPICS[category]["laws"])
        return self.to_json(
            {
                "sources": [
                    {"type": "statute", "name": law, "score": round(self.rng.random(), 4)},
                    {"type": "precedent", "name": "대법원 2019다272855 판결", "score": 0.71},
                ],
                "model": self.rng.choice(MODELS),
                "processing_time": round(self.rng.uniform(0.8, 14), 3),
                "tokens": {
                    "prompt": self.rng.randrange(800, 6000),
                    "completion": self.rng.randrange(200, 1500),
                },
                "confidence": round(self.rng.uniform(0.4, 0.99), 2),
            }
        )

    # -- dirt ----------------------------------------------------------------------------
    def plant_dirt(self) -> None:
        """Break chosen rows, each from a pool no other dirt touches, and note the reason."""
        sessions, messages = self.rows["sessions"], self.rows["messages"]
        by_session: dict[str, list[Row]] = {}
        for message in messages:
            by_session.setdefault(message["session_id"], []).append(message)
        chatty = [s for s in sessions if len(by_session.get(s["session_id"], [])) >= 2]
        pool = self.rng.sample(chatty, 4)
        # A cleanup script deleted two old sessions, not their messages.
        for gone in pool[:2]:
            sessions.remove(gone)
            for message in by_session[gone["session_id"]]:
                detail = f"session_id={gone['session_id']}"
                self.data.planted.append(
                    Reject("messages", message["message_id"], "orphan_fk", detail)
                )
        dirty_sessions = {s["session_id"] for s in pool}
        self.plant_session_dirt(pool[2], pool[3])
        candidates = [m for m in messages if m["session_id"] not in dirty_sessions]
        targets = iter(self.rng.sample(candidates, 6))

        def plant(reason: str, detail: str, change: Row) -> None:
            row = next(targets)
            row.update(change)
            self.data.planted.append(Reject("messages", row["message_id"], reason, detail))

        plant("required_null", "role", {"role": ""})
        plant("required_null", "session_id", {"session_id": "   "})
        plant("check_failed", "ck_messages_role", {"role": "ai"})
        nan = self.to_json({"confidence": float("nan"), "model": "gemini-1.5-pro"})
        plant("cast_failed", f"metadata={nan}", {"metadata": nan})
        plant("cast_failed", "timestamp=Invalid Date", {"timestamp": "Invalid Date"})
        plant("required_null", "role", {"role": " \n"})

    def plant_session_dirt(self, forwarded: Row, truncated: Row) -> None:
        """Two sessions rejected with all their messages (parent_rejected)."""
        chain = "2001:db8:85a3::8a2e:370:7334, 198.51.100.23, 10.0.3.17"  # X-Forwarded-For
        forwarded["ip_address"] = chain
        self.data.planted.append(
            Reject("sessions", forwarded["session_id"], "too_long", "ip_address")
        )
        cut = json.dumps({"client": "web", "note": "세션 메타데이터가 4KB에서 잘림"})[:40]
        truncated["metadata"] = cut
        self.data.planted.append(
            Reject("sessions", truncated["session_id"], "cast_failed", f"metadata={cut}")
        )


def write_database(path: Path, data: Dataset) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".partial")
    scratch.unlink(missing_ok=True)
    conn = sqlite3.connect(scratch)
    try:
        for statement in SCHEMA:
            conn.execute(statement)
        for table in TABLE_ORDER:
            insert_rows(conn, table, COLUMNS[table], data.rows[table])
        conn.commit()
    finally:
        conn.close()
    scratch.replace(path)


def generate(path: Path, *, messages: int = DEFAULT_MESSAGES, seed: int = 4) -> SampleResult:
    if messages >= PROGRESS_FROM:
        print(
            f"generating the LawFirm sample: {messages:,} messages (seed {seed})", file=sys.stderr
        )
    data = LawFirmGenerator(messages, seed).build()
    write_database(path, data)
    manifest = write_manifest(path, "lawfirm", {"messages": messages}, seed, data)
    counts = {table: len(data.rows[table]) for table in TABLE_ORDER}
    return SampleResult(
        database=path, manifest=manifest, row_counts=counts, planted_rejects=len(data.rejects)
    )
