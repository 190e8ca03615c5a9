"""The interaction pool: a listener's follow-up work after its ack, off Bolt's threads.

Bolt runs listeners on five threads (bot/slack/listeners.py); a listener that
waits there on Datadog (a slow search, an incident read) holds one, and the sixth request
misses Slack's 3-second ack. So what a listener does after its ack (`/declare list`'s
search and answer, the Update modal's refresh, a monitor read, an allowlist lookup) runs
here: on threads of its own, apart from Bolt's and from the declaration workers'.

Bounded: at most `threads` tasks run and `backlog` more wait. Beyond that `submit` raises
`PoolBusy` at once, so the listener tells the person to try again, instead of an answer
that would come minutes late (or a queue that grows for as long as Datadog is slow).
Nothing accepted is dropped: a task's exception is logged (and kept on its future); at
shutdown the tasks still waiting are cancelled and their number logged.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.logs import declaration_id

log = logging.getLogger(__name__)

INTERACTION_THREADS = 16
"""Tasks running at once. Most wait on Slack or Datadog, not the CPU; with Datadog's reads
at 8 s this answers two interactions a second."""
INTERACTION_BACKLOG = 64
"""Tasks waiting beyond those running: at 8 s per read, the last waits about 32 s."""
BUSY = (
    "declare-bot is busy waiting on Datadog right now, so nothing was done. Try again in a moment."
)


class PoolBusy(RuntimeError):
    """The pool holds as many tasks as it may: nothing was queued; tell the person."""

    user_message = BUSY


class InteractionPool:
    """A bounded ThreadPoolExecutor whose tasks each run in a fresh contextvars context
    (like Bolt's `ListenerExecutor`): no task inherits a log context it did not set."""

    def __init__(
        self,
        threads: int = INTERACTION_THREADS,
        backlog: int = INTERACTION_BACKLOG,
        name: str = "interaction",
    ) -> None:
        self.name = name
        self.limit = threads + backlog
        self._cancelled = 0
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(self.limit)
        self._held = 0
        self._lock = threading.Lock()

    @property
    def held(self) -> int:
        """Tasks running or waiting now."""
        with self._lock:
            return self._held

    def submit(self, fn: Callable[..., object], /, *args: Any) -> Future[object]:
        """Run `fn(*args)` on the pool; PoolBusy (nothing queued) when it is full."""
        if not self._slots.acquire(blocking=False):
            log.warning("%s pool full (%d tasks): one refused", self.name, self.limit)
            raise PoolBusy(BUSY)
        context = contextvars.Context()

        def task() -> object:
            try:
                return context.run(fn, *args)
            except Exception:
                log.exception("%s task failed", self.name)
                raise

        with self._lock:
            self._held += 1
        try:
            future: Future[object] = self._executor.submit(task)
        except RuntimeError:  # shut down: not accepted, so nothing is lost
            self._release()
            raise
        future.add_done_callback(self._done)  # also when cancelled
        return future

    def _done(self, future: Future[object]) -> None:
        self._release(cancelled=future.cancelled())

    def _release(self, *, cancelled: bool = False) -> None:
        with self._lock:
            self._held -= 1
            self._cancelled += cancelled
        self._slots.release()

    def shutdown(self) -> None:
        """Let running tasks end; cancel the waiting ones, saying how many."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            cancelled = self._cancelled
        if cancelled:
            log.warning("%s pool: %d waiting task(s) cancelled at shutdown", self.name, cancelled)


DECLARATION_WORKERS = 8


class DeclarationWorkers:
    """The declaration and update workers: `dispatch(key, run)` runs `run(key)` with the
    declaration id on its log lines. Built first, so the runners get it at construction."""

    def __init__(self, workers: int = DECLARATION_WORKERS) -> None:
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="declare")

    def dispatch(self, key: str, run: Callable[[str], object]) -> Future[object]:
        def task() -> object:
            declaration_id.set(key)
            try:
                return run(key)
            except Exception:
                log.exception("declaration worker failed")
                raise

        return self.pool.submit(task)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)
