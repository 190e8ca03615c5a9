"""The one processing lease: one worker at a time on a declaration or a card, renewed
while it works.

The store's `claim` is atomic and expires after `ttl`; a worker renews it every third
of that, so a crashed worker's declarations (or cards) free up within `ttl` while a slow
but live one (waiting out a 429, say) keeps them. `check()` before each write stops a
worker that lost it anyway (a stalled process, a store that did not answer in time).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Claims(Protocol):
    """What a lease needs from a store (DeclarationStore has it; cards adapt to it)."""

    def claim(self, key: str, owner: str, ttl: float) -> bool: ...

    def release(self, key: str, owner: str) -> None: ...


class CardLeases(Protocol):
    """The card lease of an IncidentStore (lifecycle/ports.py)."""

    def claim_card(self, key: str, owner: str, ttl: float) -> bool: ...

    def release_card(self, key: str, owner: str) -> None: ...


class CardClaims:
    """A card's lease as `Claims`: the update runner and the sync hold cards with `Lease`."""

    def __init__(self, store: CardLeases) -> None:
        self.store = store

    def claim(self, key: str, owner: str, ttl: float) -> bool:
        return self.store.claim_card(key, owner, ttl)

    def release(self, key: str, owner: str) -> None:
        self.store.release_card(key, owner)


class LeaseLost(Exception):
    """Another worker took the declaration over (this one stalled past its lease): stop."""


class Lease:
    """A processing lease, renewed in the background until released."""

    def __init__(self, store: Claims, key: str, owner: str, ttl: float) -> None:
        self.store, self.key, self.owner, self.ttl = store, key, owner, ttl
        self.lost = False
        self.waited = False
        """`acquire_within` found it held and had to wait (another worker was on it)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        if not self.store.claim(self.key, self.owner, self.ttl):
            return False
        self._thread = threading.Thread(target=self._renew, daemon=True, name="lease")
        self._thread.start()
        return True

    def acquire_within(
        self, seconds: float, sleep: Callable[[float], None], poll: float = 0.05
    ) -> bool:
        """Try again every `poll` s while another worker finishes, for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while not self.acquire():
            self.waited = True
            if time.monotonic() >= deadline:
                return False
            sleep(poll)
        return True

    def check(self) -> None:
        """Raise LeaseLost before an action that must happen once."""
        if self.lost:
            raise LeaseLost(self.key)

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                if not self.store.claim(self.key, self.owner, self.ttl):
                    log.warning("lost the lease on %s", self.key)
                    self.lost = True
                    return
            except Exception:  # a store hiccup; the next renewal may work
                log.warning("renewing the lease on %s failed", self.key, exc_info=True)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.lost:
            return
        try:
            self.store.release(self.key, self.owner)
        except Exception:  # the lease then expires on its own
            log.warning("releasing the lease on %s failed", self.key, exc_info=True)


class SyncLeases(Protocol):
    """Named leases in the declarations' store (SQLite or Redis), atomic like `claim`."""

    def claim_lease(self, name: str, owner: str, ttl: float) -> bool:
        """Take or renew the named lease for `ttl` seconds; False if another holds it."""
        ...

    def release_lease(self, name: str, owner: str) -> None: ...
