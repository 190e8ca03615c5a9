"""SQLite: one cadence per card (mixed into `SqliteStore`), indexed by when it next wakes.

`wake` and `version` are columns: `due_cadences` is one indexed range read, `save_cadence`
one conditional UPDATE (compare-and-set); `overdue` (indexed) feeds the metrics' gauge.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager

from bot.domain.cadence.schedule import Cadence, ReminderKind, wake_at

CADENCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS cadences (
    card_key TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    wake REAL,
    overdue INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS cadences_wake ON cadences (wake) WHERE wake IS NOT NULL;
CREATE INDEX IF NOT EXISTS cadences_overdue ON cadences (overdue) WHERE overdue = 1;
"""


def is_overdue(cadence: Cadence) -> bool:
    """Reminded and not updated since: what the `overdue` gauge counts."""
    return (
        cadence.last_reminder_at is not None
        and cadence.kind is ReminderKind.UPDATE
        and cadence.due_at is not None
    )


class SqliteCadenceTables:
    """Needs the store's connection, lock and transaction (see sqlite.py)."""

    _db: sqlite3.Connection
    _lock: threading.Lock

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _init_cadences(self) -> None:
        self._db.executescript(CADENCE_SCHEMA)

    def add_cadence(self, cadence: Cadence) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO cadences (card_key, data, wake, overdue, version) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    cadence.card_key,
                    cadence.model_dump_json(),
                    wake_at(cadence),
                    int(is_overdue(cadence)),
                    cadence.version,
                ),
            )
            return cursor.rowcount == 1

    def get_cadence(self, card_key: str) -> Cadence | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM cadences WHERE card_key = ?", (card_key,)
            ).fetchone()
        return Cadence.model_validate_json(row[0]) if row else None

    def save_cadence(self, cadence: Cadence) -> bool:
        saved = cadence.model_copy(update={"version": cadence.version + 1})
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE cadences SET data = ?, wake = ?, overdue = ?, version = ? "
                "WHERE card_key = ? AND version = ?",
                (
                    saved.model_dump_json(),
                    wake_at(saved),
                    int(is_overdue(saved)),
                    saved.version,
                    cadence.card_key,
                    cadence.version,
                ),
            )
            return cursor.rowcount == 1

    def due_cadences(self, now: float, limit: int) -> list[Cadence]:
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM cadences WHERE wake IS NOT NULL AND wake <= ? "
                "ORDER BY wake LIMIT ?",
                (now, limit),
            ).fetchall()
        return [Cadence.model_validate_json(r[0]) for r in rows]

    def overdue_count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM cadences WHERE overdue = 1").fetchone()
        return int(row[0])
