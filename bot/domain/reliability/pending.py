"""Resuming what was left half-way: a runner's unfinished jobs, once each on this replica.

The update runner and the chore runner keep their jobs in the store; at startup, and every
`interval` after (a dead replica's lease runs out), each unfinished one not already running
here is handed to the worker pool again. The runner's own lease makes a job run on one
replica at a time; this only keeps one replica from starting it twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from bot.domain.reliability.dispatch import Dispatch

log = logging.getLogger(__name__)


class PendingJobs:
    """`pending()` lists the unfinished keys; `resume(key)` runs one as resumed."""

    def __init__(
        self,
        what: str,
        pending: Callable[[], Iterable[str]],
        resume: Callable[[str], object],
        dispatch: Dispatch | None,
        interval: float,
    ) -> None:
        self.what = what
        self.pending = pending
        self.resume = resume
        self.dispatch = dispatch
        self.interval = interval
        self._lock = threading.Lock()
        self._running: set[str] = set()

    def resume_pending(self) -> list[str]:
        """Start every unfinished job not already running here; each waits for its lease."""
        with self._lock:
            keys = [key for key in self.pending() if key not in self._running]
            self._running.update(keys)
        for key in keys:
            if self.dispatch is not None:
                self.dispatch(key, self._resume)
            else:
                self._resume(key)
        return keys

    def _resume(self, key: str) -> object:
        try:
            return self.resume(key)
        finally:
            with self._lock:
                self._running.discard(key)

    def watch(self, stop: threading.Event, interval: float | None = None) -> None:
        """Resume at startup, then pick up what a dead replica left, every `interval` s."""
        while True:
            try:
                self.resume_pending()
            except Exception:  # a store hiccup; the next round tries again
                log.warning("looking for pending %s failed", self.what, exc_info=True)
            if stop.wait(interval or self.interval):
                return
