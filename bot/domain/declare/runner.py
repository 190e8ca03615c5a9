"""Carry a stored declaration through its steps, exactly once, resumable after a crash.

    accepted → commander_resolved → incident_created → announced → done
                                   (any step may end in failed; Retry resumes there)

The announcement is posted at once as a placeholder, beside the resolve and the create,
and edited into the card once the incident exists (placeholder.py).

The steps are in _steps.py, what a run remembers in _progress.py, the bounds in policy.py
and the resuming of what a crash left in _resume.py.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from bot.domain.declare._placeholder import Beside, start_placeholder
from bot.domain.declare._progress import Progress
from bot.domain.declare._resume import Resumer
from bot.domain.declare._steps import Steps, build_handles
from bot.domain.declare.channel_steps import ChannelSteps
from bot.domain.declare.commander import CommanderResolver
from bot.domain.declare.page_step import PageStep
from bot.domain.declare.ports import Announcer, DeclarationStore, IncidentGateway, PeopleDirectory
from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.incident.journal import Journal
from bot.domain.lifecycle.ports import IncidentStore
from bot.domain.reliability.dispatch import Dispatch
from bot.domain.reliability.lease import Lease, LeaseLost
from bot.domain.reliability.observer import NoObserver, Outcome, RunObserver, TimedStep
from bot.domain.reliability.outcomes import LookupFailed, StepFailed
from bot.domain.reliability.policy import RunnerPolicy
from bot.domain.responders.paging import Pager

__all__ = ["DeclarationRunner", "Dispatch", "RunnerPolicy", "build_handles"]

log = logging.getLogger(__name__)

RETRY_POLL = 0.1
"""Seconds between tries of a Retry that found the lease held."""


class DeclarationRunner:
    """Runs declarations from the store; safe to call twice or on two replicas."""

    def __init__(
        self,
        store: DeclarationStore,
        resolver: CommanderResolver,
        people: PeopleDirectory,
        incidents: IncidentGateway,
        announcer: Announcer,
        *,
        policy: RunnerPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        owner: str | None = None,
        dispatch: Dispatch | None = None,
        cards: IncidentStore | None = None,
        channels: ChannelSteps | None = None,
        observer: RunObserver | None = None,
        journal: Journal | None = None,
        pager: Pager | None = None,
    ) -> None:
        self.store = store
        self.observer: RunObserver = observer or NoObserver()
        self.announcer = announcer
        self.policy = policy or RunnerPolicy()
        self.owner = owner or uuid.uuid4().hex[:12]
        self._sleep = sleep
        self.steps = Steps(
            resolver, people, incidents, announcer, self.policy, sleep, cards, journal
        )
        self.channels = channels
        """The optional incident channel (channel_steps.py); None: never one."""
        self.page = PageStep(pager, resolver, self.policy, sleep, journal) if pager else None
        """The form's page, once the incident exists (page_step.py); None: never paged."""
        self.resumer = Resumer(store, self.policy, self.run, dispatch)

    @property
    def dispatch(self) -> Dispatch | None:
        return self.resumer.dispatch

    def run(self, key: str, *, retry: bool = False) -> DeclarationRecord | None:
        """Advance the declaration as far as it goes; None if another worker holds it.

        With `retry`, a failed declaration first goes back to the step that failed (the
        Retry button); that happens under the lease, so two clicks can't both resume it.
        """
        # One owner per run, not per runner: two threads of one process must not share a lease.
        owner = f"{self.owner}/{uuid.uuid4().hex[:8]}"
        lease = Lease(self.store, key, owner, self.policy.lease_ttl)
        if not lease.acquire():
            log.info("declaration %s is being processed elsewhere", key)
            return None
        try:
            record = self.store.get(key)
            if record is None:
                return None
            progress = Progress(self.store, record)
            if retry and record.step is Step.FAILED:
                resume_at = record.failed_at or Step.ACCEPTED
                progress.save(record.advance(step=resume_at, error=None, failed_at=None))
                self.observer.declaration_ended(Outcome.RETRIED)
            if progress.record.step in (Step.DONE, Step.FAILED):
                return progress.record
            return self._advance(progress, lease)
        finally:
            lease.release()

    def retry(self, key: str) -> DeclarationRecord | None:
        """Resume a failed declaration at the step that failed (the Retry button).

        The failing worker tells the person before it saves and lets go of the lease, so a
        quick click may find the lease still held: wait a moment for it, don't drop the click.
        """
        deadline = time.monotonic() + self.policy.retry_wait
        while True:
            record = self.run(key, retry=True)
            if record is not None or time.monotonic() >= deadline:
                return record
            if self.store.get(key) is None:
                return None
            self._sleep(RETRY_POLL)

    def resume_pending(self) -> list[str]:
        """Start every declaration a crash or restart left half-way that nobody holds."""
        return self.resumer.resume_pending()

    def watch(self, stop: threading.Event, interval: float | None = None) -> None:
        """Resume at startup, then take over what a dead replica leaves (see _resume.py)."""
        self.resumer.watch(stop, interval)

    def _timed(self, step: TimedStep, run: Callable[[], object]) -> None:
        """Run one step and tell the observer how long it took (failed or not)."""
        started = time.monotonic()
        try:
            run()
        finally:
            self.observer.step_timed(step, time.monotonic() - started)

    def _advance(self, progress: Progress, lease: Lease) -> DeclarationRecord:
        steps = self.steps
        timed = self._timed
        # The announcement goes out at once, beside the resolve and the create (placeholder.py).
        placeholder = start_placeholder(progress, self.announcer, self.policy, self._sleep)
        try:
            if progress.record.step is Step.ACCEPTED:
                lease.check()
                timed(TimedStep.RESOLVE, lambda: steps.resolve(progress))
            if progress.record.step is Step.COMMANDER_RESOLVED:
                if self.channels is not None:
                    self.channels.prefetch(progress.record)
                timed(TimedStep.CREATE, lambda: steps.create(progress, lease))
            if placeholder is not None:
                placeholder.join()  # saved before the create's result is used
            if progress.record.step is Step.INCIDENT_CREATED:
                lease.check()
                if self.page is not None:  # paged first: a page is more urgent than a card
                    self.page.run(progress)
                    lease.check()
                timed(TimedStep.ANNOUNCE, lambda: self._announce(progress, lease))
            if progress.record.step is Step.ANNOUNCED:
                lease.check()
                if self.channels is not None:  # after a crash: what the announce left undone
                    self.channels.finish_furnishing(progress, None)
                    self.channels.finish_pointer(progress, None)
                timed(TimedStep.THREAD_REPLY, lambda: steps.reply(progress))
        except LeaseLost:
            record = progress.record
            log.warning(
                "declaration %s: stopped at %s, another worker has it", record.key, record.step
            )
            return record
        except (StepFailed, LookupFailed, TimeoutError) as exc:
            reason = exc.reason if isinstance(exc, StepFailed) else str(exc)
            log.warning(
                "declaration %s failed at %s: %s", progress.record.key, progress.record.step, reason
            )
            return self._fail(progress, reason, placeholder)
        except Exception:
            # A bug (or a store gone) must still reach the person declaring, with Retry.
            log.exception("declaration %s crashed at %s", progress.record.key, progress.record.step)
            return self._fail(
                progress, "declare-bot hit an internal error (see its logs).", placeholder
            )
        finally:
            if placeholder is not None:
                placeholder.join()  # never outlives the lease
        if progress.record.step is Step.DONE:
            self.observer.declaration_ended(Outcome.DONE)
        return progress.record

    def _announce(self, progress: Progress, lease: Lease) -> None:
        """The channel first (when wanted); then card, pointer and furnishing side by side."""
        channels = self.channels
        if channels is None:
            self.steps.announce(progress, lease)
            return
        channels.create(progress)
        lease.check()
        furnishing = channels.start_furnishing(progress.record)
        pointer = channels.start_pointer(progress.record)
        try:
            self.steps.announce(progress, lease)
        finally:
            channels.finish_pointer(progress, pointer)
            channels.finish_furnishing(progress, furnishing)

    def _fail(
        self, progress: Progress, reason: str, placeholder: Beside | None
    ) -> DeclarationRecord:
        """Tell the person first (best effort), then save: a store that is down must not
        silence the notice, and whoever waits for the stored failure sees the notice sent.
        The placeholder is waited for first: the notice edits it in the channel.

        The failed step is the one after the last that completed (in memory, so a step
        whose save failed still counts: Retry then looks for the incident, never re-creates).
        """
        if placeholder is not None:
            placeholder.join()
        current = progress.record
        record = current.advance(step=Step.FAILED, failed_at=current.step, error=reason)
        self.observer.declaration_ended(Outcome.FAILED)
        try:
            self.announcer.report_failure(record)
        except Exception:  # the stored failure still offers Retry
            log.exception("declaration %s: reporting the failure failed", record.key)
        try:
            return progress.save(record)
        except Exception:  # still pending in the store: resumed later
            log.exception("declaration %s: saving the failure failed", record.key)
            return progress.record
