"""SQLite store: the embedded default; safe across threads and processes on one host."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.domain.record import DeclarationRecord, Step

SCHEMA = """
CREATE TABLE IF NOT EXISTS declarations (
    key TEXT PRIMARY KEY,
    source_key TEXT,
    step TEXT NOT NULL,
    data TEXT NOT NULL,
    lease_owner TEXT,
    lease_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS declarations_source ON declarations (source_key);
CREATE INDEX IF NOT EXISTS declarations_step ON declarations (step);
"""


class SqliteStore:
    """Declarations in one SQLite file; `claim` is a conditional UPDATE, so it is atomic."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add(self, record: DeclarationRecord) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO declarations (key, source_key, step, data) "
                "VALUES (?, ?, ?, ?)",
                (record.key, record.source_key, record.step.value, record.model_dump_json()),
            )
            return cursor.rowcount == 1

    def get(self, key: str) -> DeclarationRecord | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM declarations WHERE key = ?", (key,)).fetchone()
        return DeclarationRecord.model_validate_json(row[0]) if row else None

    def save(self, record: DeclarationRecord) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE declarations SET step = ?, data = ?, source_key = ? WHERE key = ?",
                (record.step.value, record.model_dump_json(), record.source_key, record.key),
            )

    def claim(self, key: str, owner: str, ttl: float) -> bool:
        now = time.time()
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE declarations SET lease_owner = ?, lease_until = ? "
                "WHERE key = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
                (owner, now + ttl, key, owner, now),
            )
            return cursor.rowcount == 1

    def release(self, key: str, owner: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE declarations SET lease_owner = NULL, lease_until = 0 "
                "WHERE key = ? AND lease_owner = ?",
                (key, owner),
            )

    def pending(self) -> list[DeclarationRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM declarations WHERE step NOT IN (?, ?)",
                (Step.DONE.value, Step.FAILED.value),
            ).fetchall()
        return [DeclarationRecord.model_validate_json(row[0]) for row in rows]

    def find_by_source(self, source_key: str) -> DeclarationRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM declarations WHERE source_key = ? AND step != ? "
                "ORDER BY rowid DESC LIMIT 1",
                (source_key, Step.FAILED.value),
            ).fetchone()
        return DeclarationRecord.model_validate_json(row[0]) if row else None

    def all(self) -> list[DeclarationRecord]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM declarations ORDER BY rowid").fetchall()
        return [DeclarationRecord.model_validate_json(row[0]) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
