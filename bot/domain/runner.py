"""Carry a stored declaration through its steps, exactly once, resumable after a crash.

    accepted → commander_resolved → incident_created → announced → done
                                   (any step may end in failed; Retry resumes there)

Each step is saved before the next starts. Before a create is retried, the incident
is looked up, because the first attempt may have created it.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.commander import CommanderResolver
from bot.domain.declaration import Declaration, Handle
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
    lease_ttl: float = 120.0
    commander_timeout: float = 20.0


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

    def run(self, key: str) -> DeclarationRecord | None:
        """Advance the declaration as far as it goes; None if another worker holds it."""
        if not self.store.claim(key, self.owner, self.policy.lease_ttl):
            log.info("declaration %s is being processed elsewhere", key)
            return None
        try:
            record = self.store.get(key)
            if record is None or record.step in (Step.DONE, Step.FAILED):
                return record
            return self._advance(record)
        finally:
            self.store.release(key, self.owner)

    def retry(self, key: str) -> DeclarationRecord | None:
        """Resume a failed declaration at the step that failed (the Retry button)."""
        record = self.store.get(key)
        if record is None:
            return None
        if record.step is Step.FAILED:
            resume_at = record.failed_at or Step.ACCEPTED
            self.store.save(record.advance(step=resume_at, error=None, failed_at=None))
        return self.run(key)

    def resume_pending(self) -> list[str]:
        """Pick up declarations a crash or restart left half-way."""
        keys = [record.key for record in self.store.pending()]
        for key in keys:
            log.info("resuming declaration %s", key)
            self.run(key)
        return keys

    # --- steps -------------------------------------------------------------------------

    def _advance(self, record: DeclarationRecord) -> DeclarationRecord:
        step = record.step
        try:
            if record.step is Step.ACCEPTED:
                record = self._resolve(record)
            if record.step is Step.COMMANDER_RESOLVED:
                step = record.step
                record = self._create(record)
            if record.step is Step.INCIDENT_CREATED:
                step = record.step
                record = self._announce(record)
            if record.step is Step.ANNOUNCED:
                step = record.step
                record = self._reply(record)
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
        self.announcer.report_failure(record)
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

    def _create(self, record: DeclarationRecord) -> DeclarationRecord:
        commander_id = record.commander_dd_id
        assert commander_id is not None
        last: StepFailed | None = None
        for attempt in range(self.policy.create_attempts):
            try:
                if record.create_started_at is not None:
                    found = self.incidents.find_created(
                        record.declaration, commander_id, record.create_started_at
                    )
                    if found is not None:
                        log.info("declaration %s: found the incident of an earlier try", record.key)
                        return self._created(record, found)
                else:
                    record = record.advance(create_started_at=time.time())
                    self.store.save(record)
                created = self.incidents.create(record.declaration, commander_id, record.handles)
                return self._created(record, created)
            except StepFailed as exc:
                last = exc
                record = record.advance(attempts=record.attempts + 1)
                self.store.save(record)
                if not exc.retryable:
                    raise
                cap = min(self.policy.max_backoff, self.policy.backoff * 2**attempt)
                self.sleep(max(exc.wait, random.uniform(0, cap)))
        assert last is not None
        raise StepFailed(last.reason, retryable=True)

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

    def _announce(self, record: DeclarationRecord) -> DeclarationRecord:
        delivery = self.announcer.announce(record)
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
        try:
            self.incidents.link_slack(record)
        except StepFailed as exc:
            record = record.advance(notes=(*record.notes, f"Linking this thread failed: {exc}"))
        reply_ts = self.announcer.reply_in_thread(record)
        record = record.advance(step=Step.DONE, thread_reply_ts=reply_ts)
        self.store.save(record)
        log.info("declaration %s: thread reply posted", record.key)
        self.announcer.report_done(record)
        return record
