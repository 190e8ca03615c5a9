"""Named leases in Redis (mixed into `RedisStore`): `<prefix>:lease:<name>`, the same key
scheme and lease (redis_lease.py) as a declaration's."""

from __future__ import annotations

from bot.store.redis_lease import RedisLeases


class RedisSyncTables:
    """Needs the store's prefix and leases (see redis_store.py)."""

    prefix: str
    _leases: RedisLeases

    def claim_lease(self, name: str, owner: str, ttl: float) -> bool:
        return self._leases.claim(f"{self.prefix}:lease:{name}", owner, ttl)

    def release_lease(self, name: str, owner: str) -> None:
        self._leases.release(f"{self.prefix}:lease:{name}", owner)
