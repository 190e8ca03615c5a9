"""Redis store: lets several replicas share declarations. Claims are atomic (redis_lease.py).

Keys: `declare:rec:<key>` the record (JSON), `declare:lease:<key>` the processing lease,
`declare:pending` the set of unfinished keys, `declare:source:<source_key>` the declarations
made from a message, oldest first (a list; a plain string in files from older versions).
Like SQLite, `find_by_source` answers the latest of them that has not failed, so a failed
declaration never hides an earlier successful one.
"""

from __future__ import annotations

from typing import Any

import redis

from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.reliability.observer import RecordKind
from bot.store.redis_cadence import SAVE_CADENCE, RedisCadenceTables
from bot.store.redis_incidents import ADD_CARD, ADD_INDEXED, SAVE_CARD, RedisIncidentRecords
from bot.store.redis_lease import RedisLeases
from bot.store.redis_sync import RedisSyncTables
from bot.store.rows import UnreadableRows

RETENTION = 30 * 24 * 3600
"""Seconds a record is kept: long enough to dedupe redeliveries and answer Retry."""
SOURCE_HISTORY = 20
"""Declarations remembered per source message (enough to skip failed ones)."""

_ADD = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  return 0
end
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[2], ARGV[4])
end
if KEYS[3] then
  if redis.call('TYPE', KEYS[3]).ok == 'string' then
    local older = redis.call('GET', KEYS[3])
    redis.call('DEL', KEYS[3])
    redis.call('RPUSH', KEYS[3], older)
  end
  redis.call('RPUSH', KEYS[3], ARGV[4])
  redis.call('LTRIM', KEYS[3], -tonumber(ARGV[5]), -1)
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
return 1
"""
"""Store a new record and index it in one step: a crash can't leave it unindexed (unresumed)."""


class RedisStore(RedisIncidentRecords, RedisSyncTables, RedisCadenceTables):
    def __init__(self, client: redis.Redis, prefix: str = "declare") -> None:
        self.redis = client
        self.prefix = prefix
        self._add = client.register_script(_ADD)
        self._leases = RedisLeases(client)
        self._save_card = client.register_script(SAVE_CARD)
        self._add_card = client.register_script(ADD_CARD)
        self._add_indexed = client.register_script(ADD_INDEXED)
        self._save_cadence = client.register_script(SAVE_CADENCE)
        self.rows = UnreadableRows()

    @classmethod
    def from_url(cls, url: str, prefix: str = "declare") -> RedisStore:
        return cls(redis.Redis.from_url(url, decode_responses=True), prefix)

    def _rec(self, key: str) -> str:
        return f"{self.prefix}:rec:{key}"

    def _pending(self) -> str:
        return f"{self.prefix}:pending"

    def _source(self, source_key: str) -> str:
        return f"{self.prefix}:source:{source_key}"

    def _index(self, pipe: Any, record: DeclarationRecord) -> None:
        if record.step in (Step.DONE, Step.FAILED):
            pipe.srem(self._pending(), record.key)
        else:
            pipe.sadd(self._pending(), record.key)

    def add(self, record: DeclarationRecord) -> bool:
        keys = [self._rec(record.key), self._pending()]
        if record.source_key:
            keys.append(self._source(record.source_key))
        pending = "0" if record.step in (Step.DONE, Step.FAILED) else "1"
        args: list[str | int] = [
            record.model_dump_json(),
            RETENTION,
            pending,
            record.key,
            SOURCE_HISTORY,
        ]
        return bool(self._add(keys=keys, args=args))

    def get(self, key: str) -> DeclarationRecord | None:
        data = self.redis.get(self._rec(key))
        return DeclarationRecord.model_validate_json(data) if data else None

    def save(self, record: DeclarationRecord) -> None:
        pipe = self.redis.pipeline()
        pipe.set(self._rec(record.key), record.model_dump_json(), ex=RETENTION)
        self._index(pipe, record)
        pipe.execute()

    def claim(self, key: str, owner: str, ttl: float) -> bool:
        return self._leases.claim(f"{self.prefix}:lease:{key}", owner, ttl)

    def release(self, key: str, owner: str) -> None:
        self._leases.release(f"{self.prefix}:lease:{key}", owner)

    def lease_remaining(self, key: str) -> float:
        return self._leases.remaining(f"{self.prefix}:lease:{key}")

    def now(self) -> float:
        seconds, micros = self.redis.time()
        return float(seconds) + float(micros) / 1e6

    def pending(self) -> list[DeclarationRecord]:
        rows = self._listed(self._pending(), self._rec)
        records = self.rows.parse_all(RecordKind.DECLARATION, rows, DeclarationRecord)
        return [r for r in records if r.step not in (Step.DONE, Step.FAILED)]

    def find_by_source(self, source_key: str) -> DeclarationRecord | None:
        """The latest declaration from this message that has not failed (as SQLite)."""
        name = self._source(source_key)
        if self.redis.type(name) == "string":
            older = self.redis.get(name)
            keys = [str(older)] if older else []
        else:
            keys = [str(k) for k in self.redis.lrange(name, 0, -1)]
        for key in reversed(keys):
            record = self.get(key)
            if record is not None and record.step is not Step.FAILED:
                return record
        return None

    def all(self) -> list[DeclarationRecord]:
        rows = []
        for name in self.redis.scan_iter(match=self._rec("*"), count=500):
            data = self.redis.get(name)
            if data:
                rows.append((str(name).removeprefix(self._rec("")), str(data)))
        records = self.rows.parse_all(RecordKind.DECLARATION, rows, DeclarationRecord)
        return sorted(records, key=lambda r: r.created_at)

    def close(self) -> None:
        self.redis.close()
