"""The one Redis lease: a key whose value is the owner, expiring by Redis's clock (PX).

Declarations (`<prefix>:lease:<key>`), cards (`<prefix>:card-lease:<key>`) and named
leases (`<prefix>:lease:<name>`) all use it: a claim takes the key if it is free or
already ours (renewing its expiry), a release deletes it only if it is still ours. Both
are Lua scripts, so the test and the write are one step. There is no per-process marker:
a dead holder's lease simply expires.
"""

from __future__ import annotations

import redis

_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLeases:
    """Claim, release and read leases kept as Redis keys (the caller names the key)."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)

    def claim(self, lease: str, owner: str, ttl: float) -> bool:
        """Free or ours: take it for `ttl` seconds (at least 1 ms)."""
        return bool(self._claim(keys=[lease], args=[owner, max(1, int(ttl * 1000))]))

    def release(self, lease: str, owner: str) -> None:
        self._release(keys=[lease], args=[owner])

    def remaining(self, lease: str) -> float:
        """Redis expires the lease by its own clock: PTTL says when."""
        remaining = int(self._redis.pttl(lease))
        if remaining == -1:  # no expiry: never set by this code; count it as a full lease
            return 1.0
        return max(0, remaining) / 1000
