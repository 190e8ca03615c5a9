"""Resuming what a crash or a dead replica left half-way, on the worker pool, bounded.

Eligibility is the lease alone: a pending declaration whose lease is free (expired by the
store's own clock, or its holder known dead) is resumed; no machine's wall clock is
compared with another's. Between scans of the pending set the watcher sleeps until the
soonest lease it saw held runs out, so a dead replica's declaration is taken over about
one lease after its last renewal, with one scan per `watch_interval` at most otherwise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.domain.declare.ports import DeclarationStore
from bot.domain.declare.record import DeclarationRecord
from bot.domain.reliability.dispatch import Dispatch
from bot.domain.reliability.policy import RunnerPolicy

log = logging.getLogger(__name__)

Run = Callable[[str], DeclarationRecord | None]

WAKE_MARGIN = 0.05
"""Seconds after a lease's expiry before trying it: the store has dropped it by then."""


class Resumer:
    """Finds unheld pending declarations and runs them, at most `resume_concurrency` at once."""

    def __init__(
        self, store: DeclarationStore, policy: RunnerPolicy, run: Run, dispatch: Dispatch | None
    ) -> None:
        self.store = store
        self.policy = policy
        self.run = run
        self.dispatch = dispatch
        self._slots = threading.BoundedSemaphore(max(1, policy.resume_concurrency))
        self._lock = threading.Lock()
        self._running: set[str] = set()

    def resume_pending(self) -> list[str]:
        """Start every pending declaration nobody holds; the keys started."""
        started, _ = self.scan()
        return started

    def scan(self) -> tuple[list[str], float | None]:
        """(keys started, seconds until the soonest lease held elsewhere runs out)."""
        started: list[str] = []
        soonest: float | None = None
        for record in self.store.pending():
            key = record.key
            with self._lock:
                if key in self._running:
                    continue
            remaining = self.store.lease_remaining(key)
            if remaining > 0:
                soonest = remaining if soonest is None else min(soonest, remaining)
                continue
            log.info("resuming declaration %s", key)
            self._start(key)
            started.append(key)
        return started, soonest

    def _start(self, key: str) -> None:
        if self.dispatch is None:
            self.run(key)
            return
        self._slots.acquire()  # bounded: the pool keeps workers for new declarations
        with self._lock:
            self._running.add(key)

        def task(key: str) -> object:
            try:
                return self.run(key)
            finally:
                self._done(key)

        try:
            self.dispatch(key, task)
        except BaseException:
            self._done(key)
            raise

    def _done(self, key: str) -> None:
        with self._lock:
            self._running.discard(key)
        self._slots.release()

    def watch(self, stop: threading.Event, interval: float | None = None) -> None:
        """Resume at startup, then keep taking over what dead replicas leave, until `stop`."""
        interval = interval or self.policy.watch_interval
        while True:
            wake = interval
            try:
                _, soonest = self.scan()
                if soonest is not None:
                    wake = min(interval, soonest + WAKE_MARGIN)
            except Exception:  # the store may be briefly unreachable
                log.exception("resuming pending declarations failed")
            if stop.wait(wake):
                return
