"""The org's configuration, cached with a TTL and refreshed in the background.

Readers never wait on Datadog longer than they ask:
- a fresh value comes back at once;
- a stale one comes back at once too, while one background refresh runs;
- with no value yet, `get` waits up to `timeout` for the first load, then returns None
  (the caller falls back to built-in fields; the load goes on and fills the cache).
A failed read keeps the last good value, and is not tried again for `retry_after`
seconds (a key without `incident_settings_read` must not cost a read per form).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from bot.domain.incident.org import OrgConfig

log = logging.getLogger(__name__)


class OrgConfigCache:
    def __init__(
        self,
        load: Callable[[], OrgConfig],
        *,
        ttl: float = 300.0,
        retry_after: float = 30.0,
        executor: ThreadPoolExecutor | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self.ttl = ttl
        self.retry_after = retry_after
        self._clock = clock
        self._executor = executor or ThreadPoolExecutor(1, thread_name_prefix="org-config")
        self._lock = threading.Lock()
        self._value: OrgConfig | None = None
        self._loaded_at = 0.0
        self._inflight: Future[OrgConfig] | None = None
        self._closed = False
        self._failed_at: float | None = None

    def peek(self) -> OrgConfig | None:
        """The cached value, fresh or stale, without touching Datadog."""
        with self._lock:
            return self._value

    def get(self, timeout: float) -> OrgConfig | None:
        """The configuration, waiting at most `timeout` seconds (only when nothing is cached)."""
        with self._lock:
            now = self._clock()
            value, fresh = self._value, now - self._loaded_at < self.ttl
            resting = self._failed_at is not None and now - self._failed_at < self.retry_after
        if value is not None:
            if not fresh and not resting:
                self.refresh()
            return value
        if resting:
            return None
        future = self.refresh()
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            log.warning(
                "org config not read within %.1fs; still loading in the background", timeout
            )
        except Exception:  # noqa: BLE001 - any failure means "not available now"; _run logged it
            pass
        return None

    def refresh(self) -> Future[OrgConfig]:
        """Start a load unless one is already running; returns the running load."""
        with self._lock:
            if self._inflight is not None and not self._inflight.done():
                return self._inflight
            future = self._executor.submit(self._run)
            self._inflight = future
            return future

    def _run(self) -> OrgConfig:
        try:
            value = self._load()
        except Exception as exc:
            with self._lock:
                self._failed_at = self._clock()
            if not self._closed:  # a load cut short by shutdown is no news
                log.warning("reading the org config from Datadog failed: %s", exc)
            raise
        with self._lock:
            self._value, self._loaded_at, self._failed_at = value, self._clock(), None
        return value

    def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
