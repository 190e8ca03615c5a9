"""Carry an accepted update, resolve or reopen out exactly once, resumable after a crash.

    accepted → judged → patched → card_updated → done   (any step may end in failed; Retry
                          └ card edited beside the PATCH   resumes)
                            (bot/domain/lifecycle/card.py); put back if it fails

One job at a time per incident: the worker holds the card's lease. Under it, a job is
judged again (bot/domain/lifecycle/_plan.py) against the latest version known: Datadog's
incident read again when the job waited for the lease or is resumed, else the card when a
later change saved it, else the submit's read. What is already so is dropped (one change,
one PATCH effect and one note); a field someone else changed after this job was judged is
not sent, and the person is told who set what. The verdict is saved (`judged`) before the
PATCH, so a resume sends exactly that. The PATCH carries only changed fields and is safe
to send again, so a crash between the PATCH and saving `patched` just sends it once more;
a crash after the card edit and before `patched` edits the card once more.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.domain.incident.changes import describe_update
from bot.domain.incident.journal import Journal
from bot.domain.incident.org import OrgField
from bot.domain.lifecycle._plan import named, newer, notice_of, rejudge, still_needed, who_set
from bot.domain.lifecycle.card import CardEdit, followed_card, publish_card, same_card, showing
from bot.domain.lifecycle.journaling import keep_changes
from bot.domain.lifecycle.ports import CardPublisher, IncidentStore, IncidentUpdater
from bot.domain.lifecycle.record import IncidentCard, Overtaken, UpdateJob, UpdateStep
from bot.domain.reliability.dispatch import Dispatch
from bot.domain.reliability.lease import CardClaims, Lease, LeaseLost
from bot.domain.reliability.observer import NoObserver, RunObserver, TimedStep
from bot.domain.reliability.outcomes import StepFailed
from bot.domain.reliability.pending import PendingJobs
from bot.domain.reliability.policy import RunnerPolicy
from bot.domain.reliability.retry import retrying

__all__ = ["UpdateRunner", "still_needed"]

log = logging.getLogger(__name__)

T = TypeVar("T")

LEASE_POLL = 0.05
"""Seconds between tries for a card another job holds (it finishes in a few round trips)."""
SAVE_ATTEMPTS = 3
"""Compare-and-set tries for the card; under the card's lease the first one succeeds."""


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
        observer: RunObserver | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.store = store
        self.journal = journal
        self.observer: RunObserver = observer or NoObserver()
        self.datadog = datadog
        self.publisher = publisher
        self.policy = policy or RunnerPolicy()
        self.org_fields = org_fields
        self.sleep = sleep
        self.dispatch = dispatch
        self.owner = uuid.uuid4().hex[:12]
        self.pending = PendingJobs(
            "updates",
            lambda: [j.key for j in self.store.pending_updates()],
            lambda key: self.run(key, resumed=True),
            dispatch,
            self.policy.watch_interval,
        )

    def run(self, key: str, *, retry: bool = False, resumed: bool = False) -> UpdateJob | None:
        """Advance the job as far as it goes; None when its card stayed held elsewhere.

        Called right after its submit, the job trusts the submit's read of Datadog unless it
        has to wait for the card; a retry, a resume or a wait reads Datadog again first.
        """
        job = self.store.get_update(key)
        if job is None:
            return None
        owner = f"{self.owner}/{uuid.uuid4().hex[:8]}"
        lease = Lease(CardClaims(self.store), job.card_key, owner, self.policy.lease_ttl)
        if not lease.acquire_within(self.policy.lease_ttl + 1.0, self.sleep, LEASE_POLL):
            log.info("update %s: its incident is busy elsewhere; left pending", key)
            return None
        reread = retry or resumed or lease.waited
        try:
            job = self.store.get_update(key) or job
            if retry and job.step is UpdateStep.FAILED:
                job = self._save(job.advance(step=job.failed_at or UpdateStep.ACCEPTED, error=None))
            if job.finished:
                return job
            started = time.monotonic()
            try:
                return self._advance(job, lease, reread=reread)
            finally:
                # The `update` step of the metrics: Datadog PATCH, the card edited, the note.
                self.observer.step_timed(TimedStep.UPDATE, time.monotonic() - started)
        finally:
            lease.release()

    def retry(self, key: str) -> UpdateJob | None:
        return self.run(key, retry=True)

    def resume_pending(self) -> list[str]:
        """Start every unfinished job not already running here; each waits for its card."""
        return self.pending.resume_pending()

    def watch(self, stop: threading.Event, interval: float | None = None) -> None:
        """Resume at startup, then pick up what a dead replica left, every `interval` s."""
        self.pending.watch(stop, interval)

    def _save(self, job: UpdateJob) -> UpdateJob:
        job = job.model_copy(update={"updated_at": self.store.now()})
        self.store.save_update(job)
        return job

    def _card(self, job: UpdateJob) -> IncidentCard:
        """The job's card, or the one it moved to (its channel stayed archived)."""
        card = followed_card(self.store, job.card_key)
        if card is None:
            raise StepFailed("The bot no longer has this incident's card.", retryable=False)
        return card

    def _advance(self, job: UpdateJob, lease: Lease, *, reread: bool) -> UpdateJob:
        edit: CardEdit | None = None
        try:
            if job.step is UpdateStep.ACCEPTED:
                lease.check()
                job = self._judge(job, reread=reread)
            if job.step is UpdateStep.JUDGED:
                lease.check()
                job, edit = self._patch(job)
            if job.step is UpdateStep.PATCHED:
                lease.check()
                job = self._update_card(job, edit, lease)
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
        finally:
            if edit is not None:
                edit.shown()  # never lands after the lease is released to another worker
        return job

    def _judge(self, job: UpdateJob, *, reread: bool) -> UpdateJob:
        """Judge the job again on the latest version known and save the verdict: what to
        send, what it replaces (the note's "before"), and what someone else overtook."""
        card = self._card(job)
        judged = named(job.before, card.shown) if job.before else card.shown
        current = card.shown if newer(card.shown, judged) else judged
        if reread:
            read = self._attempts(job, lambda: self.datadog.get_incident(job.incident_id))
            current = named(read, card.shown)
        verdict = rejudge(job.changes, judged, current)
        told: tuple[Overtaken, ...] = ()
        if verdict.overtaken:
            jobs = self._recent_updates(card, job)
            told = tuple(
                notice_of(p, judged, current, who_set(p, current, jobs), self.org_fields())
                for p in verdict.overtaken
            )
            log.info("update %s: %d field(s) overtaken, not sent", job.key, len(told))
        return self._save(
            job.advance(
                step=UpdateStep.JUDGED, changes=verdict.send, before=current, overtaken=told
            )
        )

    def _recent_updates(self, card: IncidentCard, job: UpdateJob) -> list[UpdateJob]:
        """Updates from Slack that may have overtaken `job`, newest first: the one the card
        last saved, and others on this card still under way."""
        found = [j for j in self.store.pending_updates() if j.card_key == card.key]
        last = self.store.get_update(card.last_update) if card.last_update else None
        found += [last] if last else []
        found = [j for j in found if j.key != job.key and j.step is not UpdateStep.ACCEPTED]
        return sorted(found, key=lambda j: j.updated_at, reverse=True)

    def _patch(self, job: UpdateJob) -> tuple[UpdateJob, CardEdit | None]:
        """PATCH the judged changes, the card edited beside it; `patched` is saved as soon
        as Datadog has it (the edit may still be in flight: the card step waits)."""
        card = self._card(job)
        before = job.before or card.shown
        changes = job.changes
        edit = None
        after = before
        if not changes.empty:
            commander = job.commander_slack_id if changes.commander is not None else None
            edit = CardEdit(
                self.publisher.update_card, showing(card, before.apply(changes), commander)
            )
            try:
                after = self._attempts(
                    job, lambda: self.datadog.update_incident(job.incident_id, changes)
                )
            except Exception:
                edit.shown()  # finished either way before the card is put back
                self._put_back(job, card)
                raise
            log.info("update %s: incident %s patched", job.key, job.incident_id)
        return self._save(job.advance(step=UpdateStep.PATCHED, after=after)), edit

    def _put_back(self, job: UpdateJob, card: IncidentCard) -> None:
        """The PATCH failed for good: the card shows again what it showed (Datadog's values
        as last published; the sync brings it on if Datadog moved since, with its note)."""
        try:
            self._attempts(job, lambda: self._publish(card))
        except Exception:  # the failure notice still goes out, with Retry
            log.exception("update %s: putting the card back failed", job.key)

    def _show(self, job: UpdateJob, card: IncidentCard) -> IncidentCard:
        return self._attempts(job, lambda: self._publish(card))

    def _publish(self, card: IncidentCard) -> IncidentCard:
        return publish_card(self.store, self.publisher, card)

    def _attempts(self, job: UpdateJob, call: Callable[[], T]) -> T:
        def retried(attempt: int, exc: StepFailed, wait: float) -> None:
            log.info(
                "update %s: attempt %d failed (%s); next in %.2fs",
                job.key,
                attempt + 1,
                exc.reason,
                wait,
            )

        policy = self.policy
        return retrying(
            call,
            attempts=policy.create_attempts,
            policy=policy,
            sleep=self.sleep,
            on_retry=retried,
        )

    def _update_card(self, job: UpdateJob, edit: CardEdit | None, lease: Lease) -> UpdateJob:
        """Keep Datadog's answer as the card; edit the message again only when it differs
        from the edit beside the PATCH (another field changed meanwhile, or that edit failed
        or was lost in a restart)."""
        card = self._card(job)
        if job.changes.empty:
            return self._save(job.advance(step=UpdateStep.CARD_UPDATED))
        commander = job.commander_slack_id if job.changes.commander is not None else None
        updated = showing(card, job.after or card.shown, commander)
        if edit is None or not edit.shown() or not same_card(edit.card, updated):
            updated = self._show(job, updated)  # moved, if its channel stayed archived
        self._keep(job, updated, commander, lease)
        return self._save(job.advance(step=UpdateStep.CARD_UPDATED))

    def _keep(
        self, job: UpdateJob, updated: IncidentCard, commander: str | None, lease: Lease
    ) -> None:
        """Save the card over the version it was read at; when another writer saved it
        meanwhile, judge again on theirs: a later Datadog version stays (and is shown)."""
        for _ in range(SAVE_ATTEMPTS):
            lease.check()
            saved = {"updated_at": self.store.now(), "last_update": job.key}
            if self.store.save_card(updated.model_copy(update=saved)):
                return
            stored = self._card(job)
            if newer(stored.shown, updated.shown):
                log.info("update %s: the card already shows a later version", job.key)
                if not same_card(stored, updated):
                    self._show(job, stored)
                return
            updated = showing(stored, updated.shown, commander)
        raise StepFailed("The card kept changing while it was saved.", retryable=True)

    def _note(self, job: UpdateJob) -> UpdateJob:
        before, changes, after = job.before, job.changes, job.after
        if changes.commander and after and after.commander_id == changes.commander.datadog_id:
            changes = changes.model_copy(update={"commander": after.commander})  # Datadog's name
        lines = describe_update(before, changes, self.org_fields(), note=job.note) if before else ()
        keep_changes(self.journal, job.incident_id, job.key, job.actor_id, lines, job.updated_at)
        if lines and job.note_ts is None:
            card = self._card(job)
            job = self._save(
                job.advance(note_ts=self.publisher.post_note(card, job.actor_id, lines) or "-")
            )
        job = self._save(job.advance(step=UpdateStep.DONE))
        log.info("update %s: done", job.key)
        self.publisher.report_done(job, self.store.get_card(job.card_key))
        return job

    def _fail(self, job: UpdateJob, reason: str) -> UpdateJob:
        failed = job.advance(step=UpdateStep.FAILED, failed_at=job.step, error=reason)
        try:
            self.publisher.report_failure(failed, self.store.get_card(job.card_key))
        except Exception:  # the stored failure still offers Retry
            log.exception("update %s: reporting the failure failed", job.key)
        try:
            return self._save(failed)
        except Exception:  # still pending: resumed later
            log.exception("update %s: saving the failure failed", job.key)
            return job
