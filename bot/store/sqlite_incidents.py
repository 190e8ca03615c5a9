"""SQLite: incident cards, update jobs, chores and the journal, in the declarations' file
(one more table).

A mixin of `SqliteStore`: it shares its connection, transaction lock and lease liveness,
so a card's lease frees as soon as its holder's process dies, like a declaration's. A
card's `version` is also a column, so `save_card` is one conditional UPDATE (compare-and-set),
and so is a card's `incident_id` (indexed), so `closed_cards` reads only the cards asked for.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager

from bot.domain.incident.journal import JournalEntry, in_order
from bot.domain.lifecycle.chores import Chore
from bot.domain.lifecycle.record import IncidentCard, UpdateJob
from bot.domain.reliability.observer import RecordKind
from bot.store.rows import UnreadableRows
from bot.store.sqlite_lease import Alive, LeaseColumns

INCIDENT_SCHEMA = """
CREATE TABLE IF NOT EXISTS incident_docs (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    open INTEGER NOT NULL DEFAULT 1,
    lease_owner TEXT,
    lease_until REAL NOT NULL DEFAULT 0,
    lease_process TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    incident_id TEXT,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS incident_docs_open ON incident_docs (kind, open);
"""
INCIDENT_INDEX = """
CREATE INDEX IF NOT EXISTS incident_docs_incident ON incident_docs (kind, incident_id);
"""
"""After the migration: a file from before `incident_id` gets the column first."""
CARD = "card"
UPDATE = "update"
CHORE = "chore"
JOURNAL = "journal"
CARD_LEASE = LeaseColumns("incident_docs", ("kind", "key"))


class SqliteIncidentRecords:
    """Cards and update jobs; needs `_db`, `_lock`, `_tx` and `_alive` from SqliteStore."""

    _db: sqlite3.Connection
    _lock: threading.Lock
    _alive: Alive
    rows: UnreadableRows

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _init_incidents(self) -> None:
        self._db.executescript(INCIDENT_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(incident_docs)")}
        if "version" not in columns:  # a file from before compare-and-set: every card is 0
            self._db.execute(
                "ALTER TABLE incident_docs ADD COLUMN version INTEGER NOT NULL DEFAULT 0"
            )
        if "incident_id" not in columns:
            self._add_incident_ids()
        self._db.executescript(INCIDENT_INDEX)

    def _add_incident_ids(self) -> None:
        """A file from before `closed_cards`: the column, filled from each readable card's
        JSON, in one transaction (a second process opening the file meanwhile waits)."""
        with self._tx() as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(incident_docs)")}
            if "incident_id" in columns:
                return
            db.execute("ALTER TABLE incident_docs ADD COLUMN incident_id TEXT")
            db.execute(
                "UPDATE incident_docs SET incident_id = json_extract(data, '$.incident_id') "
                "WHERE kind = ? AND json_valid(data)",
                (CARD,),
            )

    def _insert(
        self,
        kind: str,
        key: str,
        data: str,
        is_open: bool,
        version: int = 0,
        incident_id: str | None = None,
    ) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO incident_docs (kind, key, data, open, version, incident_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (kind, key, data, int(is_open), version, incident_id),
            )
            return cursor.rowcount == 1

    def _upsert(self, kind: str, key: str, data: str, is_open: bool) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO incident_docs (kind, key, data, open) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data, open = excluded.open",
                (kind, key, data, int(is_open)),
            )

    def _one(self, kind: str, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM incident_docs WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        return str(row[0]) if row else None

    def _open(self, kind: str) -> Iterator[tuple[str, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, data FROM incident_docs WHERE kind = ? AND open = 1 ORDER BY rowid",
                (kind,),
            ).fetchall()
        return ((str(row[0]), str(row[1])) for row in rows)

    def add_card(self, card: IncidentCard) -> bool:
        return self._insert(
            CARD, card.key, card.model_dump_json(), card.open, card.version, card.incident_id
        )

    def get_card(self, key: str) -> IncidentCard | None:
        data = self._one(CARD, key)
        return IncidentCard.model_validate_json(data) if data else None

    def save_card(self, card: IncidentCard) -> bool:
        saved = card.model_copy(update={"version": card.version + 1})
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE incident_docs SET data = ?, open = ?, version = ? "
                "WHERE kind = ? AND key = ? AND version = ?",
                (
                    saved.model_dump_json(),
                    int(saved.open),
                    saved.version,
                    CARD,
                    card.key,
                    card.version,
                ),
            )
            return cursor.rowcount == 1

    def open_cards(self) -> list[IncidentCard]:
        return self.rows.parse_all(RecordKind.CARD, self._open(CARD), IncidentCard)

    def closed_cards(self, incident_ids: Collection[str]) -> list[IncidentCard]:
        if not incident_ids:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT key, data FROM incident_docs WHERE kind = ? AND open = 0 "
                "AND incident_id IN (SELECT value FROM json_each(?)) ORDER BY rowid",
                (CARD, json.dumps(sorted(incident_ids))),
            ).fetchall()
        found = self.rows.parse_all(
            RecordKind.CARD, ((str(r[0]), str(r[1])) for r in rows), IncidentCard
        )
        return [c for c in found if c.closed]

    def add_update(self, job: UpdateJob) -> bool:
        return self._insert(UPDATE, job.key, job.model_dump_json(), not job.finished)

    def get_update(self, key: str) -> UpdateJob | None:
        data = self._one(UPDATE, key)
        return UpdateJob.model_validate_json(data) if data else None

    def save_update(self, job: UpdateJob) -> None:
        self._upsert(UPDATE, job.key, job.model_dump_json(), not job.finished)

    def pending_updates(self) -> list[UpdateJob]:
        return self.rows.parse_all(RecordKind.UPDATE, self._open(UPDATE), UpdateJob)

    def add_chore(self, chore: Chore) -> bool:
        return self._insert(CHORE, chore.key, chore.model_dump_json(), not chore.finished)

    def get_chore(self, key: str) -> Chore | None:
        data = self._one(CHORE, key)
        return Chore.model_validate_json(data) if data else None

    def save_chore(self, chore: Chore) -> None:
        self._upsert(CHORE, chore.key, chore.model_dump_json(), not chore.finished)

    def pending_chores(self) -> list[Chore]:
        return self.rows.parse_all(RecordKind.CHORE, self._open(CHORE), Chore)

    def add_entry(self, entry: JournalEntry) -> bool:
        """Keyed by incident and fact: the same message added to two incidents is two facts."""
        key = f"{entry.incident_id}|{entry.key}"
        return self._insert(JOURNAL, key, entry.model_dump_json(), False, 0, entry.incident_id)

    def entries(self, incident_id: str) -> list[JournalEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, data FROM incident_docs WHERE kind = ? AND incident_id = ?",
                (JOURNAL, incident_id),
            ).fetchall()
        found = self.rows.parse_all(
            RecordKind.JOURNAL, ((str(r[0]), str(r[1])) for r in rows), JournalEntry
        )
        return in_order(found)

    def claim_card(self, key: str, owner: str, ttl: float) -> bool:
        """Free, expired, ours, or held by a store that is gone: take it (sqlite_lease.py)."""
        with self._tx() as db:
            return CARD_LEASE.claim(db, self._alive, (CARD, key), owner, ttl)

    def release_card(self, key: str, owner: str) -> None:
        with self._tx() as db:
            CARD_LEASE.release(db, (CARD, key), owner)
