"""The question log: every question the web app answered or refused, and what its reader thought of it.

One SQLite file (``feedback_db``, beside the index, never inside a generation), shared by every Streamlit
session and process: each call opens its own connection, the journal is WAL (readers never block the
writer) and a busy timeout waits out another writer. Rows older than ``feedback_retention_days`` are
deleted on every write. Nothing about the person is stored: the text they typed, the answer or refusal,
the index generation and their thumbs up/down with an optional comment; no IP address, browser, session
or user id, so rows of one person cannot even be linked to each other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.types import Answer
from icgg.settings import Settings

SCHEMA_VERSION = 1
MAX_COMMENT_CHARS = 2000
THUMBS_DOWN, THUMBS_UP = 0, 1  # the values of st.feedback("thumbs")
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,
    question TEXT NOT NULL,
    resolved_question TEXT,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    reason_category TEXT,
    abstain_reason TEXT,
    generation TEXT,
    backend TEXT,
    cited TEXT NOT NULL DEFAULT '[]',
    rating INTEGER,
    comment TEXT,
    rated_at TEXT
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
"""


@dataclass(frozen=True)
class LoggedQuestion:
    """One row of the log. ``answer`` is the answer text, or the refusal sentence a reader saw."""

    id: int
    asked_at: str  # UTC, ISO 8601 to the second
    question: str
    resolved_question: str | None
    answer: str
    abstained: bool
    reason_category: str | None
    abstain_reason: str | None
    generation: str | None
    backend: str | None
    cited: list[dict]  # [{"n", "doc_id", "title", "page"}] of an answer
    rating: int | None  # THUMBS_UP, THUMBS_DOWN or None
    comment: str | None
    rated_at: str | None

    @property
    def asked(self) -> str:
        """The question as understood (a follow-up with its context resolved)."""
        return self.resolved_question or self.question


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


class QuestionLog:
    """Append questions, attach feedback, prune by age, read rows back. Safe from many threads/processes."""

    def __init__(self, path: str | Path, retention_days: int):
        self.path = Path(path)
        self.retention_days = int(retention_days)

    @classmethod
    def from_settings(cls, settings: Settings) -> QuestionLog:
        return cls(settings.feedback_db, settings.feedback_retention_days)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if con.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                con.execute("PRAGMA journal_mode = WAL")  # stored in the file: set once
                # Idempotent, so two processes creating the file at once both succeed.
                con.executescript(f"{_SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};")
            con.execute("PRAGMA synchronous = NORMAL")
            yield con
        finally:
            con.close()

    # --- writing ------------------------------------------------------------------------------------
    def record(self, answer: Answer, *, now: dt.datetime | None = None) -> int:
        """Store one answered or refused question; returns its id (for :meth:`rate`)."""
        now = now or _now()
        cited = [{"n": c.n, "doc_id": c.doc_id, "title": c.title, "page": c.page} for c in answer.citations]
        shown = answer.refusal or answer.text if answer.abstained else answer.text
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            cur = con.execute(
                "INSERT INTO questions (asked_at, question, resolved_question, answer, abstained,"
                " reason_category, abstain_reason, generation, backend, cited)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _stamp(now),
                    answer.question,
                    answer.resolved_question,
                    shown,
                    int(answer.abstained),
                    answer.reason_category,
                    answer.abstain_reason,
                    answer.generation,
                    answer.backend,
                    json.dumps(cited, ensure_ascii=False),
                ),
            )
            self._prune(con, now)
            con.execute("COMMIT")
            return int(cur.lastrowid)

    def rate(
        self, row_id: int, rating: int | None, comment: str | None = None, *, now: dt.datetime | None = None
    ) -> bool:
        """Set (or, with None, clear) the thumbs of a row, and its comment when one is given.

        False when the row no longer exists (pruned meanwhile)."""
        if rating not in (None, THUMBS_DOWN, THUMBS_UP):
            raise ValueError(f"rating must be {THUMBS_DOWN}, {THUMBS_UP} or None, not {rating!r}")
        stamp = _stamp(now or _now())
        with self._connect() as con:
            if comment is None:
                cur = con.execute(
                    "UPDATE questions SET rating = ?, rated_at = ? WHERE id = ?", (rating, stamp, row_id)
                )
            else:
                text = " ".join(comment.split())[:MAX_COMMENT_CHARS] or None
                cur = con.execute(
                    "UPDATE questions SET rating = ?, comment = ?, rated_at = ? WHERE id = ?",
                    (rating, text, stamp, row_id),
                )
            return cur.rowcount == 1

    def prune(self, *, now: dt.datetime | None = None) -> int:
        """Delete rows older than the retention; returns how many (0, and no file made, without a log)."""
        if not self.path.exists():
            return 0
        with self._connect() as con:
            return self._prune(con, now or _now())

    def _prune(self, con: sqlite3.Connection, now: dt.datetime) -> int:
        cutoff = _stamp(now - dt.timedelta(days=self.retention_days))
        return con.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount

    # --- reading ------------------------------------------------------------------------------------
    def rows(self, *, since: dt.datetime | None = None) -> list[LoggedQuestion]:
        """Every row (asked at or after ``since``), oldest first. An absent file is an empty log."""
        if not self.path.exists():
            return []
        query = "SELECT * FROM questions"
        args: tuple = ()
        if since is not None:
            query += " WHERE asked_at >= ?"
            args = (_stamp(since),)
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            found = con.execute(query + " ORDER BY asked_at, id", args).fetchall()
        return [
            LoggedQuestion(
                id=r["id"], asked_at=r["asked_at"], question=r["question"],
                resolved_question=r["resolved_question"], answer=r["answer"], abstained=bool(r["abstained"]),
                reason_category=r["reason_category"], abstain_reason=r["abstain_reason"],
                generation=r["generation"], backend=r["backend"], cited=json.loads(r["cited"] or "[]"),
                rating=r["rating"], comment=r["comment"], rated_at=r["rated_at"],
            )
            for r in found
        ]  # fmt: skip
