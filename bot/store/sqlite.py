"""SQLite store: the embedded default; safe across threads and processes on one host."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
import uuid
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
    lease_until REAL NOT NULL DEFAULT 0,
    lease_host TEXT,
    lease_pid INTEGER,
    lease_process TEXT
);
CREATE INDEX IF NOT EXISTS declarations_source ON declarations (source_key);
CREATE INDEX IF NOT EXISTS declarations_step ON declarations (step);
"""

LEASE_COLUMNS = {"lease_host": "TEXT", "lease_pid": "INTEGER", "lease_process": "TEXT"}
HOST = socket.gethostname()
PROCESS = uuid.uuid4().hex
"""This process, told apart from an earlier one that had the same pid (a container's 1)."""


def holder_is_dead(host: str | None, pid: int | None, process: str | None) -> bool:
    """True when a lease is held by a process on this host that no longer runs.

    The file is local to the host, so a restarted bot need not wait for its old leases
    to expire: it resumes at once. Anything uncertain counts as alive (wait for expiry).
    """
    if host != HOST or pid is None:
        return False
    if pid == os.getpid():
        return process != PROCESS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


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
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(declarations)")}
        for name, kind in LEASE_COLUMNS.items():
            if name not in columns:  # a file from before these columns
                self._db.execute(f"ALTER TABLE declarations ADD COLUMN {name} {kind}")

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
        """Free, expired, ours, or held by a dead process on this host: take it."""
        now = time.time()
        with self._tx() as db:
            row = db.execute(
                "SELECT lease_owner, lease_until, lease_host, lease_pid, lease_process "
                "FROM declarations WHERE key = ?",
                (key,),
            ).fetchone()
            if row is None:
                return False
            holder, until, host, pid, process = row
            if holder not in (None, owner) and until >= now:
                if not holder_is_dead(host, pid, process):
                    return False
            db.execute(
                "UPDATE declarations SET lease_owner = ?, lease_until = ?, lease_host = ?, "
                "lease_pid = ?, lease_process = ? WHERE key = ?",
                (owner, now + ttl, HOST, os.getpid(), PROCESS, key),
            )
            return True

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
