"""Named leases in SQLite (mixed into `SqliteStore`): the sync runs on one replica at a time.

They follow the declarations' rule: free, expired, ours, or held by a store whose process
is gone (its flock dropped) may be taken.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from typing import Protocol

SYNC_SCHEMA = """
CREATE TABLE IF NOT EXISTS named_leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until REAL NOT NULL,
    process TEXT
);
"""


class _Alive(Protocol):
    """The store's liveness (sqlite.py `_Liveness`): its holder name, and others' death."""

    @property
    def name(self) -> str: ...

    def is_dead(self, holder: str | None) -> bool: ...


class SqliteSyncTables:
    """Needs the store's connection, lock, transaction and liveness (see sqlite.py)."""

    _db: sqlite3.Connection
    _lock: threading.Lock
    _alive: _Alive

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def claim_lease(self, name: str, owner: str, ttl: float) -> bool:
        now = time.time()
        with self._tx() as db:
            row = db.execute(
                "SELECT owner, until, process FROM named_leases WHERE name = ?", (name,)
            ).fetchone()
            if row is not None:
                holder, until, process = row
                if holder != owner and until >= now and not self._alive.is_dead(process):
                    return False
            db.execute(
                "INSERT INTO named_leases (name, owner, until, process) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, "
                "until = excluded.until, process = excluded.process",
                (name, owner, now + ttl, self._alive.name),
            )
            return True

    def release_lease(self, name: str, owner: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM named_leases WHERE name = ? AND owner = ?", (name, owner))
