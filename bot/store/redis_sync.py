"""The sync set and named leases in Redis (mixed into `RedisStore`).

Keys: `<prefix>:tracked` a hash incident_id → entry JSON (insertion order is not kept by
Redis, so entries are sorted by public id); `<prefix>:lease:<name>` a named lease, the
same key and script as a declaration's lease.
"""

from __future__ import annotations

from typing import Any

import redis

from bot.domain.sync_ports import TrackedIncident


class RedisSyncTables:
    """Needs the store's client, prefix and claim/release scripts (see redis_store.py)."""

    redis: redis.Redis
    prefix: str
    _claim: Any
    _release: Any

    def _tracked(self) -> str:
        return f"{self.prefix}:tracked"

    def tracked(self) -> list[TrackedIncident]:
        entries = [
            TrackedIncident.model_validate_json(data) for data in self.redis.hvals(self._tracked())
        ]
        return sorted(entries, key=lambda e: e.public_id)

    def tracked_incident(self, incident_id: str) -> TrackedIncident | None:
        data = self.redis.hget(self._tracked(), incident_id)
        return TrackedIncident.model_validate_json(data) if data else None

    def track(self, entry: TrackedIncident) -> None:
        self.redis.hset(self._tracked(), entry.incident_id, entry.model_dump_json())

    def untrack(self, incident_id: str) -> None:
        self.redis.hdel(self._tracked(), incident_id)

    def claim_lease(self, name: str, owner: str, ttl: float) -> bool:
        lease = f"{self.prefix}:lease:{name}"
        return bool(self._claim(keys=[lease], args=[owner, max(1, int(ttl * 1000))]))

    def release_lease(self, name: str, owner: str) -> None:
        self._release(keys=[f"{self.prefix}:lease:{name}"], args=[owner])
