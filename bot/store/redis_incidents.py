"""Redis: incident cards and update jobs beside the declarations (a mixin of RedisStore).

Keys: `declare:card:<key>` a card (JSON), `declare:cards` the open cards' keys,
`declare:update:<key>` a job, `declare:updates` unfinished jobs, `declare:card-lease:<key>`
the lease that lets one worker at a time change an incident.
"""

from __future__ import annotations

from typing import Any

import redis

from bot.domain.incident_record import IncidentCard, UpdateJob

CARD_RETENTION = 180 * 24 * 3600
"""Seconds a card is kept after its last change: buttons on old incidents keep working."""
UPDATE_RETENTION = 30 * 24 * 3600


class RedisIncidentRecords:
    """Needs `redis`, `prefix`, `_claim` and `_release` from RedisStore."""

    redis: redis.Redis
    prefix: str
    _claim: Any
    _release: Any

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

    def save_card(self, card: IncidentCard) -> None:
        self.redis.set(self._card(card.key), card.model_dump_json(), ex=CARD_RETENTION)
        self._mark_open(f"{self.prefix}:cards", card.key, card.open)

    def open_cards(self) -> list[IncidentCard]:
        found = (self.get_card(str(k)) for k in sorted(self.redis.smembers(f"{self.prefix}:cards")))
        return sorted((c for c in found if c and c.open), key=lambda c: c.ts)

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
        found = (self.get_update(str(k)) for k in self.redis.smembers(f"{self.prefix}:updates"))
        return sorted((j for j in found if j and not j.finished), key=lambda j: j.created_at)

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
