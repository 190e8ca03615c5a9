"""SQLite store: the embedded default; safe across threads and processes on one host.

A lease's holder is a store (one per process, usually), named by a random token and
alive exactly as long as it holds an flock on `<file>.holders/<token>.lock`. The kernel
drops that lock when the process dies, however it dies, so a restarted bot takes over at
once, while two containers that share the file and both run as pid 1 on the same
hostname never mistake each other for dead.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.reliability.observer import RecordKind
from bot.store.rows import UnreadableRows
from bot.store.sqlite_cadence import SqliteCadenceTables
from bot.store.sqlite_incidents import SqliteIncidentRecords
from bot.store.sqlite_lease import LeaseColumns
from bot.store.sqlite_sync import SYNC_SCHEMA, SqliteSyncTables

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
DECLARATION_LEASE = LeaseColumns("declarations", ("key",), shows_host=True)
TOKEN_PREFIX = "flock:"
"""Marks a holder whose liveness is its lock file (older versions wrote a bare uuid)."""


class _Liveness:
    """This store's lock file, and the test of another holder's."""

    def __init__(self, db_path: str) -> None:
        self.token = uuid.uuid4().hex
        self.directory: Path | None = None
        self._fd: int | None = None
        if db_path == ":memory:":
            return  # one connection, one process: leases expire, nobody else can hold them
        self.directory = Path(db_path + ".holders")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self._path(self.token), os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)  # held until close() or death
        for stale in self.directory.glob("*.lock"):  # files of crashed holders
            self.is_dead(TOKEN_PREFIX + stale.stem)

    def _path(self, token: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{token}.lock"

    @property
    def name(self) -> str:
        return TOKEN_PREFIX + self.token

    def is_dead(self, holder: str | None) -> bool:
        """True only when `holder` is certainly gone; anything uncertain counts as alive."""
        if self.directory is None or not holder or not holder.startswith(TOKEN_PREFIX):
            return False
        token = holder.removeprefix(TOKEN_PREFIX)
        if token == self.token or not token.isalnum():
            return False  # this store: another of its threads holds it
        path = self._path(token)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return True  # its store closed (or a dead holder's file was cleaned up)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # locked: its process is alive
        try:
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)
        return True

    def close(self) -> None:
        if self._fd is not None:
            self._path(self.token).unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


class SqliteStore(SqliteIncidentRecords, SqliteSyncTables, SqliteCadenceTables):
    """Declarations in one SQLite file; `claim` is a conditional UPDATE, so it is atomic."""

    _alive: _Liveness

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.rows = UnreadableRows()
        self._alive = _Liveness(self.path)
        self._db = sqlite3.connect(
            self.path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._db.executescript(SYNC_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(declarations)")}
        for name, kind in LEASE_COLUMNS.items():
            if name not in columns:  # a file from before these columns
                self._db.execute(f"ALTER TABLE declarations ADD COLUMN {name} {kind}")
        self._init_incidents()
        self._init_cadences()

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
        """Free, expired, ours, or held by a store that is gone: take it (sqlite_lease.py)."""
        with self._tx() as db:
            return DECLARATION_LEASE.claim(db, self._alive, (key,), owner, ttl)

    def lease_remaining(self, key: str) -> float:
        with self._lock:
            return DECLARATION_LEASE.remaining(self._db, self._alive, (key,))

    def now(self) -> float:
        """One host, one clock."""
        return time.time()

    def release(self, key: str, owner: str) -> None:
        with self._tx() as db:
            DECLARATION_LEASE.release(db, (key,), owner)

    def pending(self) -> list[DeclarationRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, data FROM declarations WHERE step NOT IN (?, ?)",
                (Step.DONE.value, Step.FAILED.value),
            ).fetchall()
        return self.rows.parse_all(RecordKind.DECLARATION, rows, DeclarationRecord)

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
            rows = self._db.execute("SELECT key, data FROM declarations ORDER BY rowid").fetchall()
        return self.rows.parse_all(RecordKind.DECLARATION, rows, DeclarationRecord)

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._alive.close()
