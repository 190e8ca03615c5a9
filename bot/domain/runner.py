"""Carry a stored declaration through its steps, exactly once, resumable after a crash.

    accepted → commander_resolved → incident_created → announced → done
                                   (any step may end in failed; Retry resumes there)

Each step is saved before the next starts. Before a create is retried, the incident
is looked up, because the first attempt may have created it.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.commander import CommanderResolver
from bot.domain.declaration import Declaration, Handle
from bot.domain.lease import Lease, LeaseLost
from bot.domain.ports import (
    Announcer,
    CreatedIncident,
    DeclarationStore,
    IncidentGateway,
    LookupFailed,
    PeopleDirectory,
    StepFailed,
)
from bot.domain.record import DeclarationRecord, Step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunnerPolicy:
    """Bounds on trying again; tests shrink them."""

    create_attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    lease_ttl: float = 30.0
    """A worker renews its lease every third of this; a dead worker's lease frees after it."""
    settle: float = 5.0
    """After an ambiguous create, wait this long before looking for the incident, so that a
    create Datadog is still processing has landed."""
    commander_timeout: float = 20.0
    announce_attempts: int = 4
    """Posts of the announcement when Slack answers a transient error, with `backoff`."""


def build_handles(
    declaration: Declaration, people: PeopleDirectory
) -> tuple[tuple[Handle, ...], tuple[str, ...]]:
    """Notification handles from people, channels and free-form handles, deduplicated."""
    handles: dict[str, Handle] = {}
    notes: list[str] = []

    def add(handle: str, display_name: str) -> None:
        handles.setdefault(handle.lower(), Handle(handle=handle, display_name=display_name))

    for user_id in declaration.notify_user_ids:
        try:
            email = people.email_of(user_id)
        except LookupFailed as exc:
            notes.append(f"Could not notify <@{user_id}>: {exc}")
            continue
        if email:
            add(f"@{email}", people.name_of(user_id) or email)
        else:
            notes.append(f"Could not notify <@{user_id}>: no email on their Slack profile.")
    for channel_id in declaration.notify_channel_ids:
        name = people.channel_name(channel_id)
        if name:
            add(f"@slack-{name}", f"#{name}")
        else:
            notes.append(f"Could not notify <#{channel_id}>: the bot cannot see that channel.")
    for handle in (*declaration.extra_handles, *declaration.default_handles):
        add(handle, handle.removeprefix("@"))
    return tuple(handles.values()), tuple(notes)


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
    ) -> None:
        self.store = store
        self.resolver = resolver
        self.people = people
        self.incidents = incidents
        self.announcer = announcer
        self.policy = policy or RunnerPolicy()
        self.sleep = sleep
        self.owner = owner or uuid.uuid4().hex[:12]

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
            if record is not None and retry and record.step is Step.FAILED:
                resume_at = record.failed_at or Step.ACCEPTED
                record = record.advance(step=resume_at, error=None, failed_at=None)
                self.store.save(record)
            if record is None or record.step in (Step.DONE, Step.FAILED):
                return record
            return self._advance(record, lease)
        finally:
            lease.release()

    def retry(self, key: str) -> DeclarationRecord | None:
        """Resume a failed declaration at the step that failed (the Retry button)."""
        return self.run(key, retry=True)

    def resume_pending(self, stale_after: float = 0.0) -> list[str]:
        """Pick up declarations a crash or restart left half-way (untouched for `stale_after`)."""
        cutoff = time.time() - stale_after
        keys = [r.key for r in self.store.pending() if r.updated_at <= cutoff]
        resumed = []
        for key in keys:
            log.info("resuming declaration %s", key)
            if self.run(key) is not None:
                resumed.append(key)
        return resumed

    def watch(self, stop: threading.Event, interval: float | None = None) -> None:
        """Resume at startup, then keep resuming what a crashed replica left once its lease ends."""
        stale_after = 0.0
        while True:
            try:
                self.resume_pending(stale_after)
            except Exception:  # noqa: BLE001 - the store may be briefly unreachable
                log.exception("resuming pending declarations failed")
            stale_after = self.policy.lease_ttl
            if stop.wait(interval or self.policy.lease_ttl):
                return

    # --- steps -------------------------------------------------------------------------

    def _advance(self, record: DeclarationRecord, lease: Lease) -> DeclarationRecord:
        step = record.step
        try:
            if record.step is Step.ACCEPTED:
                lease.check()
                record = self._resolve(record)
            if record.step is Step.COMMANDER_RESOLVED:
                step = record.step
                record = self._create(record, lease)
            if record.step is Step.INCIDENT_CREATED:
                step = record.step
                lease.check()
                record = self._announce(record, lease)
            if record.step is Step.ANNOUNCED:
                step = record.step
                lease.check()
                record = self._reply(record)
        except LeaseLost:
            log.warning("declaration %s: stopped at %s, another worker has it", record.key, step)
            return record
        except (StepFailed, LookupFailed, TimeoutError) as exc:
            reason = exc.reason if isinstance(exc, StepFailed) else str(exc)
            log.warning("declaration %s failed at %s: %s", record.key, step, reason)
            return self._fail(record, step, reason)
        except Exception:
            # A bug must still reach the person declaring, with Retry, not only a log line.
            log.exception("declaration %s crashed at %s", record.key, step)
            return self._fail(record, step, "declare-bot hit an internal error (see its logs).")
        return record

    def _fail(self, record: DeclarationRecord, step: Step, reason: str) -> DeclarationRecord:
        record = record.advance(step=Step.FAILED, failed_at=step, error=reason)
        self.store.save(record)
        try:
            self.announcer.report_failure(record)
        except Exception:  # noqa: BLE001 - the stored failure still offers Retry
            log.exception("declaration %s: reporting the failure failed", record.key)
        return record

    def _resolve(self, record: DeclarationRecord) -> DeclarationRecord:
        declaration = record.declaration
        commander = self.resolver.resolve(
            declaration.commander_id, timeout=self.policy.commander_timeout
        )
        handles, notes = build_handles(declaration, self.people)
        record = record.advance(
            step=Step.COMMANDER_RESOLVED,
            commander_dd_id=commander.datadog_id,
            commander_email=commander.email,
            handles=handles,
            notes=notes,
        )
        self.store.save(record)
        log.info("declaration %s: commander resolved", record.key)
        return record

    def _create(self, record: DeclarationRecord, lease: Lease) -> DeclarationRecord:
        """Create the incident once: after any failure, look for it before creating again."""
        commander_id = record.commander_dd_id
        assert commander_id is not None
        attempts = self.policy.create_attempts
        if record.create_started_at is not None:
            # Resuming a create a crash or a failure interrupted: it may still be landing.
            self.sleep(max(0.0, record.updated_at + self.policy.settle - time.time()))
        for attempt in range(attempts):
            try:
                lease.check()
                if record.create_started_at is not None:
                    found = self.incidents.find_created(
                        record.declaration, commander_id, record.create_started_at
                    )
                    if found is not None:
                        log.info("declaration %s: found the incident of an earlier try", record.key)
                        return self._created(record, found)
                    lease.check()
                else:
                    record = record.advance(create_started_at=time.time())
                    self.store.save(record)
                created = self.incidents.create(record.declaration, commander_id, record.handles)
                return self._created(record, created)
            except StepFailed as exc:
                record = record.advance(attempts=record.attempts + 1)
                self.store.save(record)
                if not exc.retryable or attempt == attempts - 1:
                    raise
                cap = min(self.policy.max_backoff, self.policy.backoff * 2**attempt)
                wait = max(exc.wait, random.uniform(0, cap))
                if exc.ambiguous:
                    wait = max(wait, self.policy.settle)
                log.info(
                    "declaration %s: create attempt %d failed (%s); next in %.2fs",
                    record.key,
                    attempt + 1,
                    exc.reason,
                    wait,
                )
                self.sleep(wait)
        raise AssertionError("unreachable: the last attempt raises")

    def _created(self, record: DeclarationRecord, incident: CreatedIncident) -> DeclarationRecord:
        record = record.advance(
            step=Step.INCIDENT_CREATED,
            incident_id=incident.id,
            public_id=incident.public_id,
            incident_url=incident.url,
        )
        self.store.save(record)
        log.info("declaration %s: incident %s created", record.key, incident.public_id)
        return record

    def _announce(self, record: DeclarationRecord, lease: Lease) -> DeclarationRecord:
        """Announce; a retryable refusal is tried again with backoff, then fails the step."""
        attempts = self.policy.announce_attempts
        delivery = None
        for attempt in range(attempts):
            try:
                lease.check()
                delivery = self.announcer.announce(record)
                break
            except StepFailed as exc:
                if not exc.retryable or attempt == attempts - 1:
                    raise
                cap = min(self.policy.max_backoff, self.policy.backoff * 2**attempt)
                wait = max(exc.wait, random.uniform(0, cap))
                log.info(
                    "declaration %s: announcing failed (%s); next in %.2fs",
                    record.key,
                    exc.reason,
                    wait,
                )
                self.sleep(wait)
        assert delivery is not None, "the last attempt raises"
        record = record.advance(
            step=Step.ANNOUNCED,
            announce_channel=delivery.channel,
            announce_ts=delivery.ts,
            announce_permalink=delivery.permalink,
            delivered=delivery.how,
        )
        self.store.save(record)
        log.info("declaration %s: announced (%s)", record.key, delivery.how)
        return record

    def _reply(self, record: DeclarationRecord) -> DeclarationRecord:
        """Reply first: the permalink and the Datadog link are off the critical path."""
        if record.thread_reply_ts is None:
            record = record.advance(thread_reply_ts=self.announcer.reply_in_thread(record))
            self.store.save(record)  # a resumed run links, but does not reply twice
        log.info("declaration %s: thread reply posted", record.key)
        record = self._link(record)
        record = record.advance(step=Step.DONE)
        self.store.save(record)
        self.announcer.report_done(record)
        return record

    def _link(self, record: DeclarationRecord) -> DeclarationRecord:
        """Register the thread on the incident; a failure is told in the reply, never fatal."""
        if record.announce_permalink is None:
            record = record.advance(announce_permalink=self.announcer.permalink(record))
        try:
            self.incidents.link_slack(record)
        except StepFailed as exc:
            record = record.advance(notes=(*record.notes, f"Linking this thread failed: {exc}"))
            self.announcer.amend_reply(record)
        return record
