"""Carry an accepted update, resolve or reopen out exactly once, resumable after a crash.

    accepted → patched → card_updated → done   (any step may end in failed; Retry resumes)

One job at a time per incident: the worker holds the card's lease. Under it, a job first
drops what the card already shows as done by a newer change (two people pressing Update
for the same change, or a redelivery stored under another key), so one change gives one
PATCH effect and one thread note. The PATCH carries only changed fields and is safe to send
again, so a crash between the PATCH and saving `patched` just sends it once more.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.domain.incident_changes import describe_update
from bot.domain.incident_ports import CardPublisher, IncidentStore, IncidentUpdater
from bot.domain.incident_record import IncidentCard, UpdateJob, UpdateStep
from bot.domain.incident_state import IncidentChanges, IncidentView, same_values
from bot.domain.lease import Lease, LeaseLost
from bot.domain.org import MULTI_VALUE_KINDS, OrgField
from bot.domain.policy import RunnerPolicy
from bot.domain.ports import StepFailed
from bot.domain.resume import Dispatch

log = logging.getLogger(__name__)

T = TypeVar("T")

LEASE_POLL = 0.05
"""Seconds between tries for a card another job holds (it finishes in a few round trips)."""


def differs(mine: T | None, theirs: object) -> T | None:
    """`mine` when it would change `theirs`, else None (leave as it is)."""
    return mine if mine is not None and mine != theirs else None


def still_needed(changes: IncidentChanges, view: IncidentView) -> IncidentChanges:
    """`changes` without what `view` already holds."""

    commander = changes.commander
    if commander is not None and commander.datadog_id == view.commander_id:
        commander = None
    state = differs(changes.state, view.state)
    fields = tuple(
        f
        for f in changes.fields
        if not same_values(f.values, view.values_of(f.name), multi=f.kind in MULTI_VALUE_KINDS)
    )
    return IncidentChanges(
        title=differs(changes.title, view.title),
        severity=differs(changes.severity, view.severity),
        state=state,
        commander=commander,
        customer_impacted=differs(changes.customer_impacted, view.customer_impacted),
        customer_impact_scope=differs(changes.customer_impact_scope, view.customer_impact_scope),
        customer_impact_end=changes.customer_impact_end if state or not changes.state else None,
        fields=fields,
    )


def _named(view: IncidentView, known: IncidentView) -> IncidentView:
    """`view` with its commander's name from `known` when Datadog's answer gave only an id
    (a GET without included users), so the thread note names people, not ids."""
    mine, theirs = view.commander, known.commander
    if mine is None or mine.display or theirs is None or theirs.datadog_id != mine.datadog_id:
        return view
    return view.model_copy(update={"commander": theirs})


class _CardClaims:
    def __init__(self, store: IncidentStore) -> None:
        self.store = store

    def claim(self, key: str, owner: str, ttl: float) -> bool:
        return self.store.claim_card(key, owner, ttl)

    def release(self, key: str, owner: str) -> None:
        self.store.release_card(key, owner)


class UpdateRunner:
    """Runs stored update jobs; safe to call twice or on two replicas."""

    def __init__(
        self,
        store: IncidentStore,
        datadog: IncidentUpdater,
        publisher: CardPublisher,
        *,
        policy: RunnerPolicy | None = None,
        org_fields: Callable[[], Sequence[OrgField]] = tuple,
        sleep: Callable[[float], None] = time.sleep,
        dispatch: Dispatch | None = None,
    ) -> None:
        self.store = store
        self.datadog = datadog
        self.publisher = publisher
        self.policy = policy or RunnerPolicy()
        self.org_fields = org_fields
        self.sleep = sleep
        self.dispatch = dispatch
        self.owner = uuid.uuid4().hex[:12]
        self._lock = threading.Lock()
        self._running: set[str] = set()

    def run(self, key: str, *, retry: bool = False) -> UpdateJob | None:
        """Advance the job as far as it goes; None when its card stayed held elsewhere."""
        job = self.store.get_update(key)
        if job is None:
            return None
        owner = f"{self.owner}/{uuid.uuid4().hex[:8]}"
        lease = Lease(_CardClaims(self.store), job.card_key, owner, self.policy.lease_ttl)
        deadline = time.monotonic() + self.policy.lease_ttl + 1.0
        while not lease.acquire():
            if time.monotonic() >= deadline:
                log.info("update %s: its incident is busy elsewhere; left pending", key)
                return None
            self.sleep(LEASE_POLL)
        try:
            job = self.store.get_update(key) or job
            if retry and job.step is UpdateStep.FAILED:
                job = self._save(job.advance(step=job.failed_at or UpdateStep.ACCEPTED, error=None))
            if job.finished:
                return job
            return self._advance(job, lease)
        finally:
            lease.release()

    def retry(self, key: str) -> UpdateJob | None:
        return self.run(key, retry=True)

    def resume_pending(self) -> list[str]:
        """Start every unfinished job not already running here; each waits for its card."""
        with self._lock:
            keys = [j.key for j in self.store.pending_updates() if j.key not in self._running]
            self._running.update(keys)
        for key in keys:
            if self.dispatch is not None:
                self.dispatch(key, self._resume)
            else:
                self._resume(key)
        return keys

    def _resume(self, key: str) -> UpdateJob | None:
        try:
            return self.run(key)
        finally:
            with self._lock:
                self._running.discard(key)

    def watch(self, stop: threading.Event, interval: float | None = None) -> None:
        """Resume at startup, then pick up what a dead replica left, every `interval` s."""
        while True:
            try:
                self.resume_pending()
            except Exception:  # noqa: BLE001 - a store hiccup; the next round tries again
                log.warning("looking for pending updates failed", exc_info=True)
            if stop.wait(interval or self.policy.watch_interval):
                return

    def _save(self, job: UpdateJob) -> UpdateJob:
        job = job.model_copy(update={"updated_at": self.store.now()})
        self.store.save_update(job)
        return job

    def _card(self, job: UpdateJob) -> IncidentCard:
        card = self.store.get_card(job.card_key)
        if card is None:
            raise StepFailed("The bot no longer has this incident's card.", retryable=False)
        return card

    def _advance(self, job: UpdateJob, lease: Lease) -> UpdateJob:
        try:
            if job.step is UpdateStep.ACCEPTED:
                lease.check()
                job = self._patch(job)
            if job.step is UpdateStep.PATCHED:
                lease.check()
                job = self._update_card(job)
            if job.step is UpdateStep.CARD_UPDATED:
                lease.check()
                job = self._note(job)
        except LeaseLost:
            log.warning("update %s: stopped at %s, another worker has it", job.key, job.step)
            return job
        except StepFailed as exc:
            log.warning("update %s failed at %s: %s", job.key, job.step, exc.reason)
            return self._fail(job, exc.reason)
        except Exception:
            log.exception("update %s crashed at %s", job.key, job.step)
            return self._fail(job, "declare-bot hit an internal error (see its logs).")
        return job

    def _patch(self, job: UpdateJob) -> UpdateJob:
        card = self._card(job)
        before = _named(job.before, card.shown) if job.before else card.shown
        changes = job.changes
        newer = card.shown.modified and before.modified and card.shown.modified > before.modified
        if newer:  # another job (or the sync) saw a later version: don't redo what it did
            changes = still_needed(changes, card.shown)
        changes = still_needed(changes, before)
        after = before
        if not changes.empty:
            after = self._attempts(
                job, lambda: self.datadog.update_incident(job.incident_id, changes)
            )
            log.info("update %s: incident %s patched", job.key, job.incident_id)
        return self._save(
            job.advance(step=UpdateStep.PATCHED, changes=changes, before=before, after=after)
        )

    def _attempts(self, job: UpdateJob, call: Callable[[], IncidentView]) -> IncidentView:
        policy = self.policy
        for attempt in range(policy.create_attempts):
            try:
                return call()
            except StepFailed as exc:
                if not exc.retryable or attempt == policy.create_attempts - 1:
                    raise
                wait = policy.wait_before_retry(attempt, exc.wait)
                log.info(
                    "update %s: attempt %d failed (%s); next in %.2fs",
                    job.key,
                    attempt + 1,
                    exc.reason,
                    wait,
                )
                self.sleep(wait)
        raise AssertionError("unreachable: the last attempt raises")

    def _update_card(self, job: UpdateJob) -> UpdateJob:
        card = self._card(job)
        after = job.after or card.shown
        if job.changes.empty:
            return self._save(job.advance(step=UpdateStep.CARD_UPDATED))
        commander = card.commander_slack_id
        if job.commander_slack_id and job.changes.commander is not None:
            commander = job.commander_slack_id
        elif after.commander_id != card.shown.commander_id:
            commander = None
        shown = after.model_copy(update={"url": after.url or card.shown.url})
        updated = card.model_copy(update={"shown": shown, "commander_slack_id": commander})

        def publish() -> IncidentView:
            self.publisher.update_card(updated)
            return shown

        self._attempts(job, publish)
        self.store.save_card(updated.model_copy(update={"updated_at": self.store.now()}))
        return self._save(job.advance(step=UpdateStep.CARD_UPDATED))

    def _note(self, job: UpdateJob) -> UpdateJob:
        before, changes, after = job.before, job.changes, job.after
        if changes.commander and after and after.commander_id == changes.commander.datadog_id:
            changes = changes.model_copy(update={"commander": after.commander})  # Datadog's name
        lines = describe_update(before, changes, self.org_fields(), note=job.note) if before else ()
        if lines and job.note_ts is None:
            card = self._card(job)
            job = self._save(
                job.advance(note_ts=self.publisher.post_note(card, job.actor_id, lines) or "-")
            )
        job = self._save(job.advance(step=UpdateStep.DONE))
        log.info("update %s: done", job.key)
        self.publisher.report_done(job)
        return job

    def _fail(self, job: UpdateJob, reason: str) -> UpdateJob:
        failed = job.advance(step=UpdateStep.FAILED, failed_at=job.step, error=reason)
        try:
            self.publisher.report_failure(failed, self.store.get_card(job.card_key))
        except Exception:  # noqa: BLE001 - the stored failure still offers Retry
            log.exception("update %s: reporting the failure failed", job.key)
        try:
            return self._save(failed)
        except Exception:  # noqa: BLE001 - still pending: resumed later
            log.exception("update %s: saving the failure failed", job.key)
            return job
