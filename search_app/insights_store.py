"""The insights file: a small SQLite database the app appends to and `kb inzichten` reads.

One file, ``<insights_dir>/inzichten.sqlite`` (with ``-wal`` and ``-shm`` beside it
while it is in use), two tables of records that hold no text typed by a person:

- ``questions``: day, stems of the scrubbed question (`insights_scrub`), answered or not,
  the best score, the ids of the passages shown;
- ``feedback``: day, useful or not, the answer's score, the ids of its passages.

Why SQLite in WAL mode: several threads and, with worker processes, several processes
append at once; each write is one short transaction, so a kill at any moment leaves
every committed record whole and the file consistent (SQLite's own guarantee, checked
by a test that kills a writer). ``secure_delete`` overwrites removed records, so what
the retention removes is gone from the file too, not left in free pages. The directory
is created private (0700) and the file 0600.
"""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from kbcore.errors import KBError
from kbcore.settings import Settings

FILE_NAME = "inzichten.sqlite"
SCHEMA_VERSION = 1
#: How long one write waits for another process's transaction (only the writer thread waits).
BUSY_SECONDS = 2.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    stems TEXT NOT NULL,
    answered INTEGER NOT NULL CHECK (answered IN (0, 1)),
    best_score REAL NOT NULL,
    passage_ids TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_day ON questions (day);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    useful INTEGER NOT NULL CHECK (useful IN (0, 1)),
    score REAL NOT NULL,
    passage_ids TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_day ON feedback (day);
"""


class InsightsUnavailable(KBError):
    """The insights file is missing, of another version, or not a readable SQLite file."""


@dataclass(frozen=True)
class QuestionRecord:
    day: str  # ISO date
    stems: tuple[str, ...]
    answered: bool
    best_score: float
    passage_ids: tuple[str, ...]


@dataclass(frozen=True)
class FeedbackRecord:
    day: str
    useful: bool
    score: float
    passage_ids: tuple[str, ...]


def insights_file(settings: Settings) -> Path:
    return Path(settings.insights_dir) / FILE_NAME


def _create_private(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # SQLite gives -wal/-shm the same mode
    os.close(fd)


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating if needed) the insights file for writing; raises sqlite3 errors as is."""
    path = Path(path)
    _create_private(path)
    conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: consistent after any crash
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("BEGIN IMMEDIATE")  # one process creates the tables, the others wait
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"bestandsversie {version} is nieuwer dan deze versie van de app")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        raise
    return conn


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open the insights file for reading only; InsightsUnavailable when that cannot be."""
    if not path.is_file():
        raise InsightsUnavailable(
            f"{path}: geen inzichtenbestand. Zet de instelling insights aan (KB_INSIGHTS=1) en "
            f"herstart `kb serve`; daarna verzamelt de app inzichten.")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_SECONDS)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("SELECT count(*) FROM questions").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InsightsUnavailable(f"{path}: geen leesbaar inzichtenbestand ({exc}); hernoem of "
                                  f"verwijder het, dan begint de app een nieuw") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise InsightsUnavailable(f"{path}: bestandsversie {version} is nieuwer dan deze versie van kb")
    return conn


def _ids(value: Sequence[str]) -> str:
    return json.dumps(list(value), ensure_ascii=False)


def append(conn: sqlite3.Connection, records: Iterable[QuestionRecord | FeedbackRecord]) -> None:
    """Write ``records`` in one short transaction (all or none)."""
    questions = []
    feedback = []
    for r in records:
        if isinstance(r, QuestionRecord):
            questions.append((r.day, " ".join(r.stems), int(r.answered), float(r.best_score),
                              _ids(r.passage_ids)))
        else:
            feedback.append((r.day, int(r.useful), float(r.score), _ids(r.passage_ids)))
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany("INSERT INTO questions (day, stems, answered, best_score, passage_ids) "
                         "VALUES (?, ?, ?, ?, ?)", questions)
        conn.executemany("INSERT INTO feedback (day, useful, score, passage_ids) VALUES (?, ?, ?, ?)",
                         feedback)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def cutoff_day(today: date, retention_days: int) -> str:
    """Records of days before this one are older than the retention and are removed."""
    return (today - timedelta(days=retention_days)).isoformat()


def purge(conn: sqlite3.Connection, today: date, retention_days: int) -> int:
    """Remove records older than ``retention_days``; returns how many were removed."""
    cutoff = cutoff_day(today, retention_days)
    conn.execute("BEGIN IMMEDIATE")
    try:
        removed = conn.execute("DELETE FROM questions WHERE day < ?", (cutoff,)).rowcount
        removed += conn.execute("DELETE FROM feedback WHERE day < ?", (cutoff,)).rowcount
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    if removed:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # overwritten pages out of the WAL too
    return removed


def read_questions(conn: sqlite3.Connection, since: str) -> list[QuestionRecord]:
    rows = conn.execute("SELECT day, stems, answered, best_score, passage_ids FROM questions "
                        "WHERE day >= ? ORDER BY id", (since,)).fetchall()
    return [QuestionRecord(day, tuple(stems.split()), bool(answered), float(score),
                           tuple(json.loads(ids))) for day, stems, answered, score, ids in rows]


def read_feedback(conn: sqlite3.Connection, since: str) -> list[FeedbackRecord]:
    rows = conn.execute("SELECT day, useful, score, passage_ids FROM feedback WHERE day >= ? "
                        "ORDER BY id", (since,)).fetchall()
    return [FeedbackRecord(day, bool(useful), float(score), tuple(json.loads(ids)))
            for day, useful, score, ids in rows]
