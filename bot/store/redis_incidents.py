"""Redis: incident cards and update jobs beside the declarations (a mixin of RedisStore).

Keys: `declare:card:<key>` a card (JSON), `declare:cards` the open cards' keys,
`declare:update:<key>` a job, `declare:updates` unfinished jobs, `declare:card-lease:<key>`
the lease that lets one worker at a time change an incident. `save_card` is a Lua
compare-and-set on the stored card's `version`.
"""

from __future__ import annotations

from typing import Any

import redis

from bot.domain.incident_record import IncidentCard, UpdateJob
from bot.domain.ports import RecordKind
from bot.store.rows import UnreadableRows

CARD_RETENTION = 180 * 24 * 3600
"""Seconds a card is kept after its last change: buttons on old incidents keep working."""
UPDATE_RETENTION = 30 * 24 * 3600

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
return 1
"""
"""Write the card only over the version it was read at, and index it, in one step."""


class RedisIncidentRecords:
    """Needs `redis`, `prefix`, `rows`, `_claim`, `_release`, `_save_card` from RedisStore."""

    redis: redis.Redis
    prefix: str
    rows: UnreadableRows
    _claim: Any
    _release: Any
    _save_card: Any

    def _card(self, key: str) -> str:
        return f"{self.prefix}:card:{key}"

    def _job(self, key: str) -> str:
        return f"{self.prefix}:update:{key}"

    def add_card(self, card: IncidentCard) -> bool:
        if not self.redis.set(
            self._card(card.key), card.model_dump_json(), nx=True, ex=CARD_RETENTION
        ):
            return False
        self._mark_open(f"{self.prefix}:cards", card.key, card.open)
        return True

    def get_card(self, key: str) -> IncidentCard | None:
        data = self.redis.get(self._card(key))
        return IncidentCard.model_validate_json(data) if data else None

    def save_card(self, card: IncidentCard) -> bool:
        saved = card.model_copy(update={"version": card.version + 1})
        keys = [self._card(card.key), f"{self.prefix}:cards"]
        args = [saved.model_dump_json(), card.version, CARD_RETENTION, int(saved.open), card.key]
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

    def add_update(self, job: UpdateJob) -> bool:
        if not self.redis.set(
            self._job(job.key), job.model_dump_json(), nx=True, ex=UPDATE_RETENTION
        ):
            return False
        self._mark_open(f"{self.prefix}:updates", job.key, not job.finished)
        return True

    def get_update(self, key: str) -> UpdateJob | None:
        data = self.redis.get(self._job(key))
        return UpdateJob.model_validate_json(data) if data else None

    def save_update(self, job: UpdateJob) -> None:
        self.redis.set(self._job(job.key), job.model_dump_json(), ex=UPDATE_RETENTION)
        self._mark_open(f"{self.prefix}:updates", job.key, not job.finished)

    def pending_updates(self) -> list[UpdateJob]:
        rows = self._listed(f"{self.prefix}:updates", self._job)
        found = self.rows.parse_all(RecordKind.UPDATE, rows, UpdateJob)
        return sorted((j for j in found if not j.finished), key=lambda j: j.created_at)

    def claim_card(self, key: str, owner: str, ttl: float) -> bool:
        lease = f"{self.prefix}:card-lease:{key}"
        return bool(self._claim(keys=[lease], args=[owner, max(1, int(ttl * 1000))]))

    def release_card(self, key: str, owner: str) -> None:
        self._release(keys=[f"{self.prefix}:card-lease:{key}"], args=[owner])

    def _mark_open(self, name: str, key: str, is_open: bool) -> None:
        if is_open:
            self.redis.sadd(name, key)
        else:
            self.redis.srem(name, key)
