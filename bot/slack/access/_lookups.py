"""Slack reads the access checks wait on: kept briefly, looked up once at a time, off the
caller, so a check can bound its wait (the lookup goes on, and its answer is kept)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

CACHE_ENTRIES = 512
"""Entries a cache keeps at most (the least recently used goes first)."""


class TooSlow(Exception):
    """A lookup outlasted the caller's wait (it goes on, and its answer is kept)."""


class Lookups(Generic[K, V]):
    """A bounded TTL cache whose misses are looked up once at a time, on `pool`.

    An answer `keep` refuses (Slack failed to say) is returned but not kept: the next
    check asks Slack again instead of repeating the failure for a whole `ttl`.
    """

    def __init__(
        self,
        load: Callable[[K], V],
        ttl: float,
        pool: ThreadPoolExecutor,
        *,
        keep: Callable[[V], bool] = lambda _: True,
    ) -> None:
        self.ttl = ttl
        self._load, self._pool, self._keep = load, pool, keep
        self._kept: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._pending: dict[K, Future[V]] = {}
        self._lock = threading.Lock()

    def cached(self, key: K) -> V | None:
        """The kept value if it is fresh; no I/O."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or time.monotonic() - kept[0] >= self.ttl:
                return None
            self._kept.move_to_end(key)
            return kept[1]

    def get(self, key: K, wait: float | None) -> V:
        """The value, looked up if it isn't fresh; TooSlow past `wait` seconds (None: as
        long as it takes)."""
        found = self.cached(key)
        if found is not None:
            return found
        with self._lock:
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pool.submit(self._fill, key)
                self._pending[key] = pending
        try:
            return pending.result(timeout=None if wait is None else max(0.0, wait))
        except FutureTimeout:
            raise TooSlow(str(key)) from None

    def _fill(self, key: K) -> V:
        try:
            value = self._load(key)
            if self._keep(value):
                with self._lock:
                    self._kept[key] = (time.monotonic(), value)
                    self._kept.move_to_end(key)
                    while len(self._kept) > CACHE_ENTRIES:
                        self._kept.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
