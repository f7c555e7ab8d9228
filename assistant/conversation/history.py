"""The turns of every conversation, kept in one SQLite file beside the Chroma store.

Each turn keeps the user's question, the standalone question that was answered and the whole
``Answer`` (citations with offsets), so earlier turns read back exactly as they were given,
after later turns and after a restart. SQLite lets several API processes share the file.

A conversation is titled by its first question until someone renames it; the stored title
(``conversations.title``, NULL until then) overrides it. A database written before titles were
kept gains the column in place the first time it is opened: nothing stored is lost.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.errors import InputError, NotFoundError
from assistant.models import Answer

TITLE_MAX_CHARS = 200  # a title given by renaming
FIRST_QUESTION_TITLE_CHARS = 120  # a title taken from the first question is cut here
LIST_MAX = 500  # the most conversations one listing returns


class Turn(BaseModel):
    n: int = Field(ge=1, description="Position in the conversation, from 1.")
    question: str = Field(description="The question as the user asked it.")
    standalone_question: str = Field(
        description="The question that was answered: the follow-up rewritten from earlier turns."
    )
    answer: Answer = Field(description="The answer as it was given, citations and all.")
    asked_at: float = Field(description="Unix time the answer was given.")


class Conversation(BaseModel):
    conversation_id: str
    created_at: float
    title: str = Field(
        default="", description="The name given by renaming, else the first question (cut short)."
    )
    turns: list[Turn] = Field(default_factory=list)


class ConversationSummary(BaseModel):
    """A conversation as listed: no turns, only how to recognise it."""

    conversation_id: str
    title: str
    renamed: bool = Field(description="Whether the title was given by renaming.")
    created_at: float
    updated_at: float = Field(description="Unix time of its latest turn.")
    turn_count: int


def title_from_question(question: str) -> str:
    """The first question as a title: whitespace collapsed, cut at a word near 120 characters."""
    text = " ".join(question.split())
    if len(text) <= FIRST_QUESTION_TITLE_CHARS:
        return text
    cut = text[: FIRST_QUESTION_TITLE_CHARS - 1]
    if " " in cut[FIRST_QUESTION_TITLE_CHARS // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def clean_title(title: str) -> str:
    """A title given by renaming, whitespace collapsed; InputError when empty or too long."""
    if not isinstance(title, str) or not title.strip():
        raise InputError("the title is empty")
    title = " ".join(title.split())
    if len(title) > TITLE_MAX_CHARS:
        raise InputError(
            f"the title is {len(title)} characters long; the limit is {TITLE_MAX_CHARS}"
        )
    return title


_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    title TEXT
);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    n INTEGER NOT NULL,
    question TEXT NOT NULL,
    standalone_question TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    asked_at REAL NOT NULL,
    PRIMARY KEY (conversation_id, n)
);
"""

# One row per conversation: its title (stored or from turn 1), times and number of turns.
_SUMMARY = """
SELECT c.id, c.title, (SELECT question FROM turns WHERE conversation_id = c.id AND n = 1),
       c.created_at, MAX(COALESCE(MAX(t.asked_at), c.created_at), c.created_at), COUNT(t.n)
FROM conversations c LEFT JOIN turns t ON t.conversation_id = c.id
"""


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a database written by an earlier version up to ``_SCHEMA``, in place."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(conversations)")}
    if "title" not in columns:
        try:
            db.execute("ALTER TABLE conversations ADD COLUMN title TEXT")
        except sqlite3.OperationalError as exc:  # another process added it first
            if "duplicate column" not in str(exc):
                raise


def _summary(row: tuple) -> ConversationSummary:
    cid, stored, first, created, updated, count = row
    return ConversationSummary(
        conversation_id=cid,
        title=stored or title_from_question(first or ""),
        renamed=stored is not None,
        created_at=created,
        updated_at=updated,
        turn_count=count,
    )


class ConversationStore:
    """Conversations in one SQLite file, created (or brought up to date) on first use."""

    def __init__(self, path: Path, max_turns: int = 200) -> None:
        self.path = Path(path)
        self.max_turns = max_turns
        self._ready = False
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        if not self._ready:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            _migrate(db)
            self._ready = True
        return db

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            db = self._connect()
            try:
                return db.execute(sql, params).fetchall()
            finally:
                db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one write transaction: committed when the block ends, rolled
        back when it raises."""
        with self._lock:
            db = self._connect()
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            finally:
                db.close()

    def _write(self, *statements: tuple[str, tuple]) -> list[int]:
        """Run ``statements`` in one transaction; the row count of each."""
        with self._transaction() as db:
            return [db.execute(sql, params).rowcount for sql, params in statements]

    @staticmethod
    def _unknown(conversation_id: str) -> NotFoundError:
        return NotFoundError(f"no conversation with id '{conversation_id}'")

    def get(self, conversation_id: str) -> Conversation:
        with self._lock:
            db = self._connect()
            try:
                row = db.execute(
                    _SUMMARY + "WHERE c.id = ? GROUP BY c.id", (conversation_id,)
                ).fetchone()
                if row is None:
                    raise self._unknown(conversation_id)
                turns = db.execute(
                    "SELECT n, question, standalone_question, answer_json, asked_at FROM turns "
                    "WHERE conversation_id = ? ORDER BY n",
                    (conversation_id,),
                ).fetchall()
            finally:
                db.close()
        return Conversation(
            conversation_id=conversation_id,
            created_at=row[3],
            title=_summary(row).title,
            turns=[
                Turn(
                    n=n,
                    question=q,
                    standalone_question=s,
                    answer=Answer.model_validate_json(a),
                    asked_at=t,
                )
                for n, q, s, a, t in turns
            ],
        )

    def recent(self, limit: int = 100) -> list[ConversationSummary]:
        """The most recently updated conversations first (ties: the newer created first)."""
        limit = max(1, min(int(limit), LIST_MAX))
        rows = self._read(
            _SUMMARY + "GROUP BY c.id ORDER BY 5 DESC, c.created_at DESC, c.id LIMIT ?", (limit,)
        )
        return [_summary(row) for row in rows]

    def summary(self, conversation_id: str) -> ConversationSummary:
        rows = self._read(_SUMMARY + "WHERE c.id = ? GROUP BY c.id", (conversation_id,))
        if not rows:
            raise self._unknown(conversation_id)
        return _summary(rows[0])

    def rename(self, conversation_id: str, title: str) -> ConversationSummary:
        """Give the conversation ``title`` (it then overrides the first question)."""
        title = clean_title(title)
        (changed,) = self._write(
            ("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))
        )
        if not changed:
            raise self._unknown(conversation_id)
        return self.summary(conversation_id)

    def delete(self, conversation_id: str) -> None:
        """Remove the conversation and its turns; nothing else."""
        _, removed = self._write(
            ("DELETE FROM turns WHERE conversation_id = ?", (conversation_id,)),
            ("DELETE FROM conversations WHERE id = ?", (conversation_id,)),
        )
        if not removed:
            raise self._unknown(conversation_id)

    def last_question(self, conversation_id: str) -> str | None:
        """The standalone question of the conversation's latest turn (None when it has none);
        InputError when the conversation is already at its turn limit."""
        rows = self._read(
            "SELECT standalone_question, n FROM turns WHERE conversation_id = ? "
            "ORDER BY n DESC LIMIT 1",
            (conversation_id,),
        )
        if rows and rows[0][1] >= self.max_turns:
            raise self._full()
        return rows[0][0] if rows else None

    def _full(self) -> InputError:
        return InputError(
            f"the conversation already has {self.max_turns} turns, the limit; "
            "start a new conversation"
        )

    def append(self, conversation_id: str, question: str, standalone: str, answer: Answer) -> Turn:
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO conversations (id, created_at) VALUES (?, ?)",
                (conversation_id, now),
            )
            (n,) = db.execute(
                "SELECT COALESCE(MAX(n), 0) + 1 FROM turns WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            if n > self.max_turns:  # checked again here: two requests may race
                raise self._full()
            db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, n, question, standalone, answer.model_dump_json(), now),
            )
        return Turn(
            n=n, question=question, standalone_question=standalone, answer=answer, asked_at=now
        )


def conversation_store_path(store_path: Path) -> Path:
    return Path(store_path) / "conversations" / "conversations.sqlite3"


__all__ = [
    "Conversation",
    "ConversationStore",
    "ConversationSummary",
    "Turn",
    "clean_title",
    "conversation_store_path",
    "title_from_question",
]
