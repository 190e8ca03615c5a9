"""The steps of a declaration, each saved through `Progress` before the next starts.

Before a create is retried (in this run, after Retry, or after a restart), the incident
is looked up first, because any earlier attempt may have created it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.domain.declare._placeholder import placeholder_delivery, reply_beside
from bot.domain.declare._progress import Progress
from bot.domain.declare.card import card_of
from bot.domain.declare.commander import CommanderResolver
from bot.domain.declare.ports import (
    Announcer,
    CreatedIncident,
    Delivery,
    IncidentGateway,
    PeopleDirectory,
)
from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.incident.declaration import Declaration, Handle
from bot.domain.incident.journal import Journal
from bot.domain.lifecycle.journaling import keep_declared
from bot.domain.lifecycle.ports import IncidentStore
from bot.domain.reliability.lease import Lease
from bot.domain.reliability.outcomes import LookupFailed, StepFailed
from bot.domain.reliability.policy import RunnerPolicy
from bot.domain.reliability.retry import retrying

log = logging.getLogger(__name__)


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
            email, display_name = people.contact_of(user_id)
        except LookupFailed as exc:
            notes.append(f"Could not notify <@{user_id}>: {exc}")
            continue
        if email:
            add(f"@{email}", display_name or email)
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


class Steps:
    """resolve → create → announce → reply (and link), each on the declaration's Progress."""

    def __init__(
        self,
        resolver: CommanderResolver,
        people: PeopleDirectory,
        incidents: IncidentGateway,
        announcer: Announcer,
        policy: RunnerPolicy,
        sleep: Callable[[float], None],
        cards: IncidentStore | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.cards = cards
        self.journal = journal
        self.resolver = resolver
        self.people = people
        self.incidents = incidents
        self.announcer = announcer
        self.policy = policy
        self.sleep = sleep

    def resolve(self, progress: Progress) -> DeclarationRecord:
        declaration = progress.record.declaration
        commander = self.resolver.resolve(
            declaration.commander_id, timeout=self.policy.commander_timeout
        )
        handles, notes = build_handles(declaration, self.people)
        record = progress.save(
            progress.record.advance(
                step=Step.COMMANDER_RESOLVED,
                commander_dd_id=commander.datadog_id,
                commander_email=commander.email,
                handles=handles,
                notes=notes,
            )
        )
        log.info("declaration %s: commander resolved", record.key)
        return record

    def create(self, progress: Progress, lease: Lease) -> DeclarationRecord:
        """Create the incident once: once a create may have been sent, look before creating."""
        policy = self.policy
        if progress.record.create_started_at is not None:
            # Resuming a create a crash or a failure interrupted: it may still be landing.
            # Both times are the store's clock; bounded in case an older replica's weren't.
            since_last = progress.now() - progress.record.updated_at
            self.sleep(policy.bounded(policy.settle - since_last, policy.settle))

        def once() -> DeclarationRecord:
            try:
                return self._create_once(progress, lease)
            except StepFailed:
                progress.save(progress.record.advance(attempts=progress.record.attempts + 1))
                raise

        def retried(attempt: int, exc: StepFailed, wait: float) -> None:
            log.info(
                "declaration %s: create attempt %d failed (%s); next in %.2fs",
                progress.record.key,
                attempt + 1,
                exc.reason,
                wait,
            )

        return retrying(
            once,
            attempts=policy.create_attempts,
            policy=policy,
            sleep=self.sleep,
            on_retry=retried,
            ambiguous_wait=policy.settle,
        )

    def _create_once(self, progress: Progress, lease: Lease) -> DeclarationRecord:
        """One try: look for the incident of an earlier try that may have landed, else create."""
        lease.check()
        record = progress.record
        commander_id = record.commander_dd_id
        assert commander_id is not None
        if record.create_started_at is not None:
            # A create stamped by a clock running fast must not hide the incident.
            since = min(record.create_started_at, progress.now())
            found = self.incidents.find_created(record.declaration, commander_id, since)
            if found is not None:
                log.info("declaration %s: found the incident of an earlier try", record.key)
                return self._created(progress, found)
            lease.check()
        else:
            record = progress.save(record.advance(create_started_at=progress.now()))
        created = self.incidents.create(record.declaration, commander_id, record.handles)
        return self._created(progress, created)

    def _created(self, progress: Progress, incident: CreatedIncident) -> DeclarationRecord:
        record = progress.save(
            progress.record.advance(
                step=Step.INCIDENT_CREATED,
                incident_id=incident.id,
                public_id=incident.public_id,
                incident_url=incident.url,
            )
        )
        log.info("declaration %s: incident %s created", record.key, incident.public_id)
        return record

    def announce(self, progress: Progress, lease: Lease) -> DeclarationRecord:
        """Announce (edit the placeholder, or post); a transient Slack refusal is tried
        again with backoff, then fails."""
        placed = placeholder_delivery(progress.record)
        # Editing the placeholder: the thread reply goes under it meanwhile (placeholder.py).
        reply = reply_beside(progress, self.announcer, placed) if placed else None
        try:
            delivery = self._announce(progress, lease)
        finally:
            if reply is not None:
                reply.join()
        changes: dict[str, object] = {}
        if placed is not None and delivery.ts != placed.ts:
            changes["thread_reply_ts"] = None  # under a placeholder that is gone: post again
        record = progress.save(
            progress.record.advance(
                step=Step.ANNOUNCED,
                announce_channel=delivery.channel,
                announce_ts=delivery.ts,
                announce_permalink=delivery.permalink,
                delivered=delivery.how,
                **changes,
            )
        )
        log.info("declaration %s: announced (%s)", record.key, delivery.how)
        self._remember_card(record)
        return record

    def _announce(self, progress: Progress, lease: Lease) -> Delivery:
        def once() -> Delivery:
            lease.check()
            return self.announcer.announce(progress.record)

        def retried(_attempt: int, exc: StepFailed, wait: float) -> None:
            log.info(
                "declaration %s: announcing failed (%s); next in %.2fs",
                progress.record.key,
                exc.reason,
                wait,
            )

        policy = self.policy
        return retrying(
            once,
            attempts=policy.announce_attempts,
            policy=policy,
            sleep=self.sleep,
            on_retry=retried,
        )

    def _remember_card(self, record: DeclarationRecord) -> None:
        """Keep what the card's buttons need, keyed by its message (once; never fatal)."""
        card = card_of(record)
        if self.cards is None or card is None:
            return
        try:
            self.cards.add_card(card)
            keep_declared(self.journal, card, record.created_at)  # once: its key is the fact
        except Exception:  # the declaration stands; the reply step tries again
            log.warning("declaration %s: storing its card failed", record.key, exc_info=True)

    def reply(self, progress: Progress) -> DeclarationRecord:
        """Reply first: the permalink and the Datadog link are off the critical path."""
        record = progress.record
        self._remember_card(record)  # again, for a run a crash stopped right after announcing
        if record.thread_reply_ts is None:
            # Saved at once: a resumed run links, but does not reply twice.
            progress.save(record.advance(thread_reply_ts=self.announcer.reply_in_thread(record)))
        log.info("declaration %s: thread reply posted", record.key)
        self._link(progress)
        done = progress.record.advance(step=Step.DONE)
        # Told first, then saved (as failures are): whoever sees DONE in the store also
        # sees the modal say "Declared"; a crash in between only repeats the report.
        try:
            self.announcer.report_done(done)
        except Exception:  # noqa: BLE001 - best effort: the channel and thread carry the news
            log.warning("declaration %s: telling the declarer it is done failed", done.key)
        return progress.save(done)

    def _link(self, progress: Progress) -> None:
        """Register the thread on the incident; a failure is told in the reply, never fatal."""
        record = progress.record
        if record.announce_permalink is None:
            record = record.advance(announce_permalink=self.announcer.permalink(record))
        try:
            self.incidents.link_slack(record)
        except StepFailed as exc:
            record = record.advance(notes=(*record.notes, f"Linking this thread failed: {exc}"))
            self.announcer.amend_reply(record)
        progress.record = record  # saved with the DONE step that follows
