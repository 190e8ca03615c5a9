"""Named leases in SQLite (mixed into `SqliteStore`): the sync runs on one replica at a time.

They follow the declarations' rule (sqlite_lease.py): free, expired, ours, or held by a
store whose process is gone (its flock dropped) may be taken; a row is one lease.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager

from bot.store.sqlite_lease import Alive, LeaseColumns

SYNC_SCHEMA = """
CREATE TABLE IF NOT EXISTS named_leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until REAL NOT NULL,
    process TEXT
);
"""


NAMED_LEASE = LeaseColumns(
    "named_leases", ("name",), owner="owner", until="until", process="process", own_row=True
)


class SqliteSyncTables:
    """Needs the store's connection, lock, transaction and liveness (see sqlite.py)."""

    _db: sqlite3.Connection
    _lock: threading.Lock
    _alive: Alive

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def claim_lease(self, name: str, owner: str, ttl: float) -> bool:
        with self._tx() as db:
            return NAMED_LEASE.claim(db, self._alive, (name,), owner, ttl)

    def release_lease(self, name: str, owner: str) -> None:
        with self._tx() as db:
            NAMED_LEASE.release(db, (name,), owner)
