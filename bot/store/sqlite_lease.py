"""The one SQLite lease: take or renew if free, expired, ours, or held by a store that is gone;
release only if ours. Declarations, cards and named leases each keep theirs in their own
table's columns (`LeaseColumns` names them); the rule is written here once.

Runs inside the caller's transaction (`SqliteStore._tx`, BEGIN IMMEDIATE), so a claim's
read and write are one atomic step. The holder's liveness is the store's flock
(sqlite.py `_Liveness`): its `name` is written beside the lease, `is_dead` tests another's.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from typing import Protocol

HOST = socket.gethostname()
"""Written beside a declaration's lease for people reading the file; never read back."""


class Alive(Protocol):
    """The store's liveness (sqlite.py `_Liveness`): its holder name, and others' death."""

    @property
    def name(self) -> str: ...

    def is_dead(self, holder: str | None) -> bool: ...


@dataclass(frozen=True)
class LeaseColumns:
    """Where one kind keeps its lease: a table, the columns naming the row, the lease's.

    `own_row`: the row is the lease (named leases): a claim inserts it, a release deletes
    it. Otherwise the row is a record's, must exist, and a release clears its columns.
    `shows_host`: also write the host and pid (declarations), for people reading the file.
    """

    table: str
    keys: tuple[str, ...]
    owner: str = "lease_owner"
    until: str = "lease_until"
    process: str = "lease_process"
    own_row: bool = False
    shows_host: bool = False

    @property
    def _where(self) -> str:
        return " AND ".join(f"{k} = ?" for k in self.keys)

    def _read(
        self, db: sqlite3.Connection, key: tuple[object, ...]
    ) -> tuple[str | None, float, str | None] | None:
        row = db.execute(
            f"SELECT {self.owner}, {self.until}, {self.process} FROM {self.table} "
            f"WHERE {self._where}",
            key,
        ).fetchone()
        return None if row is None else (row[0], float(row[1]), row[2])

    def claim(
        self, db: sqlite3.Connection, alive: Alive, key: tuple[object, ...], owner: str, ttl: float
    ) -> bool:
        """Free, expired, ours, or held by a store that is gone: take it for `ttl` seconds."""
        now = time.time()
        row = self._read(db, key)
        if row is None and not self.own_row:
            return False
        if row is not None:
            holder, until, process = row
            if holder not in (None, owner) and until >= now and not alive.is_dead(process):
                return False
        values: dict[str, object] = {
            self.owner: owner,
            self.until: now + ttl,
            self.process: alive.name,
        }
        if self.shows_host:
            values.update(lease_host=HOST, lease_pid=os.getpid())
        if self.own_row:
            columns = [*self.keys, *values]
            updates = ", ".join(f"{c} = excluded.{c}" for c in values)
            db.execute(
                f"INSERT INTO {self.table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)}) "
                f"ON CONFLICT({', '.join(self.keys)}) DO UPDATE SET {updates}",
                (*key, *values.values()),
            )
        else:
            sets = ", ".join(f"{c} = ?" for c in values)
            db.execute(
                f"UPDATE {self.table} SET {sets} WHERE {self._where}", (*values.values(), *key)
            )
        return True

    def release(self, db: sqlite3.Connection, key: tuple[object, ...], owner: str) -> None:
        """Only the owner's lease goes; another holder's (it took over) stays."""
        if self.own_row:
            db.execute(
                f"DELETE FROM {self.table} WHERE {self._where} AND {self.owner} = ?",
                (*key, owner),
            )
        else:
            db.execute(
                f"UPDATE {self.table} SET {self.owner} = NULL, {self.until} = 0 "
                f"WHERE {self._where} AND {self.owner} = ?",
                (*key, owner),
            )

    def remaining(self, db: sqlite3.Connection, alive: Alive, key: tuple[object, ...]) -> float:
        """Seconds the lease still runs; 0 when free, or held by a store that is gone."""
        row = self._read(db, key)
        if row is None or row[0] is None:
            return 0.0
        remaining = max(0.0, row[1] - time.time())
        return 0.0 if remaining and alive.is_dead(row[2]) else remaining
