"""Redis: incident cards and update jobs beside the declarations (a mixin of RedisStore).

Keys: `declare:card:<key>` a card (JSON), `declare:cards` the open cards' keys,
`declare:closed-cards` a hash of incident id → the key of its `closed` card (resolved, not
moved), `declare:update:<key>` a job, `declare:updates` unfinished jobs,
`declare:card-lease:<key>` the lease that lets one worker at a time change an incident,
`declare:chore:<key>` a chore (kept as long as a card), `declare:chores` unfinished chores,
`declare:journal:<id>` a hash of an incident's journal entries by their key (HSETNX: a fact
is kept once). `save_card` is a Lua compare-and-set on the stored card's `version` that keeps
both indexes in the same step; a new card, update job or chore is stored and indexed in one
Lua step too. Cards resolved before the hash existed are not in it (not taken back).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import redis

from bot.domain.incident.journal import JournalEntry, in_order
from bot.domain.lifecycle.chores import Chore
from bot.domain.lifecycle.record import IncidentCard, UpdateJob
from bot.domain.reliability.observer import RecordKind
from bot.store.redis_lease import RedisLeases
from bot.store.rows import UnreadableRows

CARD_RETENTION = 180 * 24 * 3600
"""Seconds a card is kept after its last change: buttons on old incidents keep working."""
UPDATE_RETENTION = 30 * 24 * 3600
CHORE_RETENTION = CARD_RETENTION
"""A chore is kept as long as its card (as SQLite keeps it): a finished `todo.list` chore
says where the card's to-do list is, for as long as its boxes can be pressed."""

SAVE_CARD = """
local current = redis.call('GET', KEYS[1])
if not current then
  return 0
end
local ok, stored = pcall(cjson.decode, current)
if not ok or type(stored) ~= 'table' or (tonumber(stored['version']) or 0) ~= tonumber(ARGV[2]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[2], ARGV[5])
else
  redis.call('SREM', KEYS[2], ARGV[5])
end
if ARGV[7] == '1' then
  redis.call('HSET', KEYS[3], ARGV[6], ARGV[5])
elseif redis.call('HGET', KEYS[3], ARGV[6]) == ARGV[5] then
  redis.call('HDEL', KEYS[3], ARGV[6])
end
return 1
"""
"""Write the card only over the version it was read at, and index it, in one step."""
ADD_CARD = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  return 0
end
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[2], ARGV[4])
end
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[4])
end
return 1
"""
"""Store a new card and index it in one step."""
ADD_INDEXED = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  return 0
end
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[2], ARGV[4])
end
return 1
"""
"""Store a new update job or chore and, unfinished, list it for a resume, in one step."""


class RedisIncidentRecords:
    """Needs `redis`, `prefix`, `rows`, `_leases`, `_save_card` from RedisStore."""

    redis: redis.Redis
    prefix: str
    rows: UnreadableRows
    _leases: RedisLeases
    _save_card: Any
    _add_card: Any
    _add_indexed: Any

    def _card(self, key: str) -> str:
        return f"{self.prefix}:card:{key}"

    def _card_indexes(self) -> list[str]:
        return [f"{self.prefix}:cards", f"{self.prefix}:closed-cards"]

    def add_card(self, card: IncidentCard) -> bool:
        keys = [self._card(card.key), *self._card_indexes()]
        args = [
            card.model_dump_json(),
            CARD_RETENTION,
            int(card.open),
            card.key,
            card.incident_id,
            int(card.closed),
        ]
        return bool(self._add_card(keys=keys, args=args))

    def get_card(self, key: str) -> IncidentCard | None:
        data = self.redis.get(self._card(key))
        return IncidentCard.model_validate_json(data) if data else None

    def save_card(self, card: IncidentCard) -> bool:
        saved = card.model_copy(update={"version": card.version + 1})
        keys = [self._card(card.key), *self._card_indexes()]
        args = [
            saved.model_dump_json(),
            card.version,
            CARD_RETENTION,
            int(saved.open),
            card.key,
            card.incident_id,
            int(saved.closed),
        ]
        return bool(self._save_card(keys=keys, args=args))

    def _listed(self, index: str, key_of: Any) -> list[tuple[str, str]]:
        """(key, data) of each key in the `index` set still stored."""
        keys = sorted(str(k) for k in self.redis.smembers(index))
        values = self.redis.mget([key_of(k) for k in keys]) if keys else []
        return [(k, str(v)) for k, v in zip(keys, values, strict=True) if v]

    def open_cards(self) -> list[IncidentCard]:
        rows = self._listed(f"{self.prefix}:cards", self._card)
        found = self.rows.parse_all(RecordKind.CARD, rows, IncidentCard)
        return sorted((c for c in found if c.open), key=lambda c: c.ts)

    def closed_cards(self, incident_ids: Collection[str]) -> list[IncidentCard]:
        ids = sorted(incident_ids)
        found = self.redis.hmget(f"{self.prefix}:closed-cards", ids) if ids else []
        keys = [str(k) for k in found if k]
        values = self.redis.mget([self._card(k) for k in keys]) if keys else []
        rows = [(k, str(v)) for k, v in zip(keys, values, strict=True) if v]
        cards = self.rows.parse_all(RecordKind.CARD, rows, IncidentCard)
        return [c for c in cards if c.closed and c.incident_id in incident_ids]

    # Update jobs and chores: a JSON document each, and a set of the unfinished ones.
    def _doc(self, kind: str, key: str) -> str:
        return f"{self.prefix}:{kind}:{key}"

    def _add_doc(self, kind: str, index: str, key: str, data: str, ttl: int, pending: bool) -> bool:
        """Store and index a new document in one step; False when its key is stored."""
        keys = [self._doc(kind, key), f"{self.prefix}:{index}"]
        return bool(self._add_indexed(keys=keys, args=[data, ttl, int(pending), key]))

    def _save_doc(
        self, kind: str, index: str, key: str, data: str, ttl: int, pending: bool
    ) -> None:
        self.redis.set(self._doc(kind, key), data, ex=ttl)
        self._mark_open(f"{self.prefix}:{index}", key, pending)

    def _pending_docs(self, kind: str, index: str) -> list[tuple[str, str]]:
        return self._listed(f"{self.prefix}:{index}", lambda key: self._doc(kind, key))

    def add_update(self, job: UpdateJob) -> bool:
        data = job.model_dump_json()
        return self._add_doc("update", "updates", job.key, data, UPDATE_RETENTION, not job.finished)

    def get_update(self, key: str) -> UpdateJob | None:
        data = self.redis.get(self._doc("update", key))
        return UpdateJob.model_validate_json(data) if data else None

    def save_update(self, job: UpdateJob) -> None:
        data = job.model_dump_json()
        self._save_doc("update", "updates", job.key, data, UPDATE_RETENTION, not job.finished)

    def pending_updates(self) -> list[UpdateJob]:
        found = self.rows.parse_all(
            RecordKind.UPDATE, self._pending_docs("update", "updates"), UpdateJob
        )
        return sorted((j for j in found if not j.finished), key=lambda j: j.created_at)

    def add_chore(self, chore: Chore) -> bool:
        data = chore.model_dump_json()
        return self._add_doc(
            "chore", "chores", chore.key, data, CHORE_RETENTION, not chore.finished
        )

    def get_chore(self, key: str) -> Chore | None:
        data = self.redis.get(self._doc("chore", key))
        return Chore.model_validate_json(data) if data else None

    def save_chore(self, chore: Chore) -> None:
        data = chore.model_dump_json()
        self._save_doc("chore", "chores", chore.key, data, CHORE_RETENTION, not chore.finished)

    def pending_chores(self) -> list[Chore]:
        found = self.rows.parse_all(RecordKind.CHORE, self._pending_docs("chore", "chores"), Chore)
        return sorted((c for c in found if not c.finished), key=lambda c: c.created_at)

    def add_entry(self, entry: JournalEntry) -> bool:
        name = f"{self.prefix}:journal:{entry.incident_id}"
        added = bool(self.redis.hsetnx(name, entry.key, entry.model_dump_json()))
        self.redis.expire(name, CARD_RETENTION)
        return added

    def entries(self, incident_id: str) -> list[JournalEntry]:
        stored = self.redis.hgetall(f"{self.prefix}:journal:{incident_id}")
        rows = [(str(k), str(v)) for k, v in stored.items()]
        return in_order(self.rows.parse_all(RecordKind.JOURNAL, rows, JournalEntry))

    def claim_card(self, key: str, owner: str, ttl: float) -> bool:
        return self._leases.claim(f"{self.prefix}:card-lease:{key}", owner, ttl)

    def release_card(self, key: str, owner: str) -> None:
        self._leases.release(f"{self.prefix}:card-lease:{key}", owner)

    def _mark_open(self, name: str, key: str, is_open: bool) -> None:
        if is_open:
            self.redis.sadd(name, key)
        else:
            self.redis.srem(name, key)
