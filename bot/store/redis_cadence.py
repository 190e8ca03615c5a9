"""Redis: one cadence per card (mixed into `RedisStore`), indexed by when it next wakes.

Keys: `declare:cadence:<card_key>` the cadence (JSON), `declare:cadence-wake` a sorted set
of card keys scored by wake time (`due_cadences` is one ZRANGEBYSCORE, then one MGET),
`declare:cadence-overdue` the set the metrics' gauge counts. `save_cadence` is a Lua
compare-and-set on the stored `version` that keeps both indexes in the same step.
"""

from __future__ import annotations

from typing import Any

import redis

from bot.domain.cadence.schedule import Cadence, wake_at
from bot.store.sqlite_cadence import is_overdue

CADENCE_RETENTION = 180 * 24 * 3600

SAVE_CADENCE = """
local current = redis.call('GET', KEYS[1])
if ARGV[5] == 'add' then
  if current then return 0 end
else
  if not current then return 0 end
  local ok, stored = pcall(cjson.decode, current)
  if not ok or type(stored) ~= 'table' then return 0 end
  if (tonumber(stored['version']) or 0) ~= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
if ARGV[4] == '' then
  redis.call('ZREM', KEYS[2], ARGV[6])
else
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6])
end
if ARGV[7] == '1' then
  redis.call('SADD', KEYS[3], ARGV[6])
else
  redis.call('SREM', KEYS[3], ARGV[6])
end
return 1
"""


class RedisCadenceTables:
    """Needs the store's client and prefix (see redis_store.py)."""

    redis: redis.Redis
    prefix: str
    _save_cadence: Any

    def _cadence_key(self, card_key: str) -> str:
        return f"{self.prefix}:cadence:{card_key}"

    def _write_cadence(self, cadence: Cadence, expected: int, mode: str) -> bool:
        wake = wake_at(cadence)
        return bool(
            self._save_cadence(
                keys=[
                    self._cadence_key(cadence.card_key),
                    f"{self.prefix}:cadence-wake",
                    f"{self.prefix}:cadence-overdue",
                ],
                args=[
                    cadence.model_dump_json(),
                    expected,
                    CADENCE_RETENTION,
                    "" if wake is None else repr(wake),
                    mode,
                    cadence.card_key,
                    "1" if is_overdue(cadence) else "0",
                ],
            )
        )

    def add_cadence(self, cadence: Cadence) -> bool:
        return self._write_cadence(cadence, cadence.version, "add")

    def get_cadence(self, card_key: str) -> Cadence | None:
        raw = self.redis.get(self._cadence_key(card_key))
        return Cadence.model_validate_json(raw) if raw else None

    def save_cadence(self, cadence: Cadence) -> bool:
        saved = cadence.model_copy(update={"version": cadence.version + 1})
        return self._write_cadence(saved, cadence.version, "save")

    def due_cadences(self, now: float, limit: int) -> list[Cadence]:
        keys = self.redis.zrangebyscore(
            f"{self.prefix}:cadence-wake", "-inf", now, start=0, num=limit
        )
        if not keys:
            return []
        raws = self.redis.mget([self._cadence_key(str(k)) for k in keys])
        return [Cadence.model_validate_json(r) for r in raws if r]

    def overdue_count(self) -> int:
        return int(self.redis.scard(f"{self.prefix}:cadence-overdue"))
