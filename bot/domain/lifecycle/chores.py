"""Chores: one write to an announced incident, asked for in Slack, done exactly once.

Adding a responder, paging, adding a to-do or a link, publishing a notice, drafting the
postmortem: each is a `Chore` stored before the ack (its key is one per submission, so a
redelivery or a double click finds it stored) and carried out by the one `ChoreRunner`:

    accepted → sending → sent → done      (any step may end in failed; Retry resumes)
                  └ saved before the write: a resume, or a failure that may have landed
                    (ambiguous), looks in Datadog first (`ChoreWork.find`) and keeps
                    what it finds instead of writing again

The runner holds the card's lease, the same one update jobs hold, so one write at a time
goes to an incident from any replica. What a kind sends, finds and tells is its
`ChoreWork`, given to the runner by the composition root (bot/services.py). A crash
between `tell` and saving `done` tells once more (one more thread note), like an update.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.lifecycle.card import followed_card
from bot.domain.lifecycle.ports import IncidentStore
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.dispatch import Dispatch
from bot.domain.reliability.lease import CardClaims, Lease, LeaseLost
from bot.domain.reliability.outcomes import StepFailed
from bot.domain.reliability.pending import PendingJobs
from bot.domain.reliability.policy import RunnerPolicy
from bot.domain.reliability.retry import retrying

log = logging.getLogger(__name__)

LEASE_POLL = 0.05
INTERNAL_ERROR = "declare-bot hit an internal error (see its logs)."
NO_CARD = "The bot no longer has this incident's card."


def chore_key(kind: str, *parts: str) -> str:
    """One key per submission or press: e.g. `chore_key("page", team_id, view_id, hash)`."""
    digest = hashlib.sha256("|".join((kind, *parts)).encode()).hexdigest()[:16]
    return f"ch-{kind}-{digest}"


class ChoreStep(StrEnum):
    ACCEPTED = "accepted"
    SENDING = "sending"
    """Saved before the write: from here a resume looks before writing again."""
    SENT = "sent"
    DONE = "done"
    FAILED = "failed"


class Chore(BaseModel):
    """An accepted write to an incident from Slack; saved after every step."""

    model_config = ConfigDict(frozen=True)

    key: str
    kind: str
    card_key: str
    incident_id: str
    actor_id: str
    """The Slack user who asked for it (named in the thread note)."""
    params: dict[str, Any] = {}
    """What to send, as its kind reads it (JSON-able)."""
    step: ChoreStep = ChoreStep.ACCEPTED
    result: dict[str, Any] = {}
    """What Datadog answered (ids), kept at `sent`."""
    told: dict[str, Any] = {}
    """What the Slack side kept (a note's ts), kept at `done`."""
    error: str | None = None
    failed_at: ChoreStep | None = None
    attempts: int = 0
    """Writes started (a resume from `sending` counts one more)."""
    modal_view_id: str | None = None
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)

    def advance(self, **changes: object) -> Chore:
        return self.model_copy(update={**changes, "updated_at": time.time()})

    @property
    def finished(self) -> bool:
        return self.step in (ChoreStep.DONE, ChoreStep.FAILED)


class ChoreWork(Protocol):
    """What one kind of chore does; raise StepFailed (a reason for people) when it can't."""

    kind: str

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        """What Datadog already holds of this chore (look before writing again), else None."""
        ...

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        """The one write; what to keep of Datadog's answer."""
        ...

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        """Once it is sent: the thread note, the card; what to keep (e.g. the note's ts)."""
        ...

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        """Tell the person why, with Retry."""
        ...


class ChoreStore(Protocol):
    """Chores beside the cards; `add_chore` is atomic."""

    def add_chore(self, chore: Chore) -> bool:
        """Store a new chore; False when its key is already stored (a redelivery)."""
        ...

    def get_chore(self, key: str) -> Chore | None: ...

    def save_chore(self, chore: Chore) -> None: ...

    def pending_chores(self) -> list[Chore]:
        """Chores neither done nor failed, oldest first: resumed at startup."""
        ...


class ChoreRecords(ChoreStore, IncidentStore, Protocol):
    """What the runner needs of the store: chores, cards and the cards' leases."""


class ChoreRunner:
    """Runs stored chores; safe to call twice or on two replicas."""

    def __init__(
        self,
        store: ChoreRecords,
        works: Sequence[ChoreWork] = (),
        *,
        policy: RunnerPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        dispatch: Dispatch | None = None,
    ) -> None:
        self.store = store
        self.works: dict[str, ChoreWork] = {}
        for work in works:
            self.add_work(work)
        self.policy = policy or RunnerPolicy()
        self.sleep = sleep
        self.dispatch = dispatch
        self.owner = uuid.uuid4().hex[:12]
        self.pending = PendingJobs(
            "chores",
            lambda: [c.key for c in self.store.pending_chores()],
            self.run,
            dispatch,
            self.policy.watch_interval,
        )

    def add_work(self, work: ChoreWork) -> None:
        if work.kind in self.works:
            raise ValueError(f"two works for chores of kind {work.kind!r}")
        self.works[work.kind] = work

    def submit(self, chore: Chore, *, stored: Callable[[], object] | None = None) -> bool:
        """Store `chore`, call `stored` (a submission's ack: the chore is kept before it is
        acked, and acked before it runs), then start it; False (nothing started, `stored`
        not called) when it was stored already."""
        if not self.store.add_chore(chore):
            return False
        if stored is not None:
            stored()
        self.start(chore.key)
        return True

    def start(self, key: str) -> None:
        if self.dispatch is not None:
            self.dispatch(key, self.run)
        else:
            self.run(key)

    def run(self, key: str, *, retry: bool = False) -> Chore | None:
        """Advance the chore as far as it goes; None when its card stayed held elsewhere."""
        chore = self.store.get_chore(key)
        if chore is None:
            return None
        if not chore.finished and self.store.get_card(chore.card_key) is None:
            return self._fail(chore, NO_CARD)  # no card, no lease to hold: it can't go on
        owner = f"{self.owner}/{uuid.uuid4().hex[:8]}"
        lease = Lease(CardClaims(self.store), chore.card_key, owner, self.policy.lease_ttl)
        if not lease.acquire_within(self.policy.lease_ttl + 1.0, self.sleep, LEASE_POLL):
            log.info("chore %s: its incident is busy elsewhere; left pending", key)
            return None
        try:
            chore = self.store.get_chore(key) or chore
            if retry and chore.step is ChoreStep.FAILED:
                back = chore.failed_at or ChoreStep.ACCEPTED
                chore = self._save(chore.advance(step=back, error=None, failed_at=None))
            if chore.finished:
                return chore
            return self._advance(chore, lease)
        finally:
            lease.release()

    def retry(self, key: str) -> Chore | None:
        return self.run(key, retry=True)

    def resume_pending(self) -> list[str]:
        """Start every unfinished chore not already running here; each waits for its card."""
        return self.pending.resume_pending()

    def watch(self, stop: threading.Event, interval: float | None = None) -> None:
        """Resume at startup, then pick up what a dead replica left, every `interval` s."""
        self.pending.watch(stop, interval)

    def _save(self, chore: Chore) -> Chore:
        chore = chore.model_copy(update={"updated_at": self.store.now()})
        self.store.save_chore(chore)
        return chore

    def _card(self, chore: Chore) -> IncidentCard:
        card = followed_card(self.store, chore.card_key)
        if card is None:
            raise StepFailed(NO_CARD, retryable=False)
        return card

    def _work(self, chore: Chore) -> ChoreWork:
        work = self.works.get(chore.kind)
        if work is None:
            log.error("chore %s: no work for kind %r", chore.key, chore.kind)
            raise StepFailed(INTERNAL_ERROR, retryable=False)
        return work

    def _advance(self, chore: Chore, lease: Lease) -> Chore:
        try:
            work = self._work(chore)
            if chore.step in (ChoreStep.ACCEPTED, ChoreStep.SENDING):
                lease.check()
                look = chore.step is ChoreStep.SENDING
                chore = self._save(
                    chore.advance(step=ChoreStep.SENDING, attempts=chore.attempts + 1)
                )
                chore = self._send(chore, work, look=look)
            if chore.step is ChoreStep.SENT:
                lease.check()
                told = work.tell(chore, self._card(chore))
                chore = self._save(chore.advance(step=ChoreStep.DONE, told=told))
                log.info("chore %s (%s): done", chore.key, chore.kind)
        except LeaseLost:
            log.warning("chore %s: stopped at %s, another worker has it", chore.key, chore.step)
        except StepFailed as exc:
            log.warning("chore %s failed at %s: %s", chore.key, chore.step, exc.reason)
            return self._fail(chore, exc.reason)
        except Exception:
            log.exception("chore %s crashed at %s", chore.key, chore.step)
            return self._fail(chore, INTERNAL_ERROR)
        return chore

    def _send(self, chore: Chore, work: ChoreWork, *, look: bool) -> Chore:
        """Write once: a chore that may have been written already (`look`) is looked for
        first, and so is one whose write failed ambiguously."""
        card = self._card(chore)

        def attempt() -> dict[str, Any]:
            nonlocal look
            if look:
                found = work.find(chore, card)
                if found is not None:
                    log.info("chore %s: found in Datadog, not written again", chore.key)
                    return found
            look = False
            try:
                return work.send(chore, card)
            except StepFailed as exc:
                look = exc.ambiguous
                raise

        def retried(attempt_no: int, exc: StepFailed, wait: float) -> None:
            log.info(
                "chore %s: attempt %d failed (%s); next in %.2fs",
                chore.key,
                attempt_no + 1,
                exc.reason,
                wait,
            )

        result = retrying(
            attempt,
            attempts=self.policy.create_attempts,
            policy=self.policy,
            sleep=self.sleep,
            on_retry=retried,
            ambiguous_wait=self.policy.settle,
        )
        return self._save(chore.advance(step=ChoreStep.SENT, result=result))

    def _fail(self, chore: Chore, reason: str) -> Chore:
        failed = chore.advance(step=ChoreStep.FAILED, failed_at=chore.step, error=reason)
        try:
            work = self.works.get(chore.kind)
            if work is not None:
                work.report_failure(failed, followed_card(self.store, chore.card_key))
        except Exception:  # the stored failure still offers Retry
            log.exception("chore %s: reporting the failure failed", chore.key)
        try:
            return self._save(failed)
        except Exception:  # still pending: resumed later
            log.exception("chore %s: saving the failure failed", chore.key)
            return chore


__all__ = [
    "Chore",
    "ChoreRecords",
    "ChoreRunner",
    "ChoreStep",
    "ChoreStore",
    "ChoreWork",
    "chore_key",
]
