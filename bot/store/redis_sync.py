"""Named leases in Redis (mixed into `RedisStore`): `<prefix>:lease:<name>`, the same key
scheme and scripts as a declaration's lease."""

from __future__ import annotations

from typing import Any


class RedisSyncTables:
    """Needs the store's prefix and claim/release scripts (see redis_store.py)."""

    prefix: str
    _claim: Any
    _release: Any

    def claim_lease(self, name: str, owner: str, ttl: float) -> bool:
        lease = f"{self.prefix}:lease:{name}"
        return bool(self._claim(keys=[lease], args=[owner, max(1, int(ttl * 1000))]))

    def release_lease(self, name: str, owner: str) -> None:
        self._release(keys=[f"{self.prefix}:lease:{name}"], args=[owner])
