"""The incident channel's steps, between the incident's creation and the announcement.

    plan (name, private) → create (or find the one an earlier try made) → furnish
    (invite, topic, bookmark) ∥ card in the channel ∥ pointer in the origin

Every change to the plan is saved before the next call: `create_sent` is saved before
`conversations.create`, so a crash or a retry after it looks the channel up by its exact
name (created by the bot) instead of making a second. Furnishing is idempotent and runs
beside the card and the pointer, off the critical path; its results are saved together.
A channel Slack refuses (restricted, a missing scope, its name) never stops the
declaration: it completes in the origin channel and the reply says why, with the fix.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from bot.domain.channel.plan import NAME_ATTEMPTS, ChannelPlan, ChannelRefused, channel_name, topic
from bot.domain.declare._progress import Progress
from bot.domain.declare.record import DeclarationRecord
from bot.domain.incident.state import ACTIVE

log = logging.getLogger(__name__)

PRIVACY_KEPT = 1000
"""Prefetched answers kept at most; a missing one is simply asked again."""


class IncidentChannels(Protocol):
    """The Slack side of the incident channel (bot/slack/channel/conversations.py)."""

    def is_private_origin(self, channel_id: str) -> bool: ...

    def find_own(self, name: str, private: bool) -> str | None:
        """The id of a channel called exactly `name` that the bot created, or None."""
        ...

    def create(self, name: str, private: bool) -> str: ...

    def invite(self, channel_id: str, user_ids: tuple[str, ...]) -> tuple[str, ...]:
        """Invite each person; notes for the ones Slack refused (others still invited)."""
        ...

    def set_topic(self, channel_id: str, topic: str) -> None: ...

    def bookmark(self, channel_id: str, title: str, url: str) -> bool:
        """Add the link as a bookmark; False when the bot lacks bookmarks:write."""
        ...

    def archive(self, channel_id: str) -> None: ...

    def post_pointer(self, record: DeclarationRecord) -> tuple[str, str]:
        """`IR-12 declared: <title> → #inc-12-...` where it was declared: (channel, ts)."""
        ...


@dataclass(frozen=True)
class Furnished:
    """What furnishing did: notes for the thread reply, and whether the bookmark is there."""

    notes: tuple[str, ...]
    bookmarked: bool


def invitees(record: DeclarationRecord) -> tuple[str, ...]:
    """Commander, declarer and the people picked under "Notify people", each once."""
    declaration = record.declaration
    people = (declaration.commander_id, declaration.origin.user_id, *declaration.notify_user_ids)
    return tuple(dict.fromkeys(p for p in people if p))


def first_topic(record: DeclarationRecord) -> str:
    declaration = record.declaration
    return topic(declaration.severity, ACTIVE, declaration.commander_id, record.incident_url)


class ChannelSteps:
    """Makes and furnishes the incident channel; every plan change goes through `progress`."""

    def __init__(
        self, channels: IncidentChannels, *, template: str, private: bool, workers: int = 4
    ) -> None:
        self.channels = channels
        self.template = template
        self.private = private
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="incident-channel")
        self._privacy: dict[str, Future[bool]] = {}
        """Whether each origin is private, asked while Datadog creates the incident."""

    def wanted(self, record: DeclarationRecord) -> bool:
        return record.declaration.incident_channel and record.public_id is not None

    def prefetch(self, record: DeclarationRecord) -> None:
        """Ask Slack whether the origin is private now, off the critical path (a cache only)."""
        if record.declaration.incident_channel and record.channel is None and not self.private:
            origin = record.declaration.origin.channel_id
            if len(self._privacy) >= PRIVACY_KEPT:  # left by declarations that failed to create
                self._privacy.clear()
            self._privacy[record.key] = self.pool.submit(self.channels.is_private_origin, origin)

    def _private(self, record: DeclarationRecord) -> bool:
        if self.private:
            return True
        asked = self._privacy.pop(record.key, None)
        try:
            if asked is not None:
                return asked.result()
        except Exception:  # noqa: BLE001 - ask again below
            log.info("declaration %s: the prefetched privacy failed", record.key)
        return self.channels.is_private_origin(record.declaration.origin.channel_id)

    def _name(self, record: DeclarationRecord, attempt: int = 0) -> str:
        declaration = record.declaration
        assert record.public_id is not None
        return channel_name(
            self.template,
            public_id=record.public_id,
            title=declaration.title,
            severity=declaration.severity,
            is_test=declaration.is_test,
            attempt=attempt,
        )

    def _save(self, progress: Progress, plan: ChannelPlan) -> ChannelPlan:
        saved = progress.save(progress.record.advance(channel=plan)).channel
        assert saved is not None
        return saved

    def create(self, progress: Progress) -> None:
        """Make the channel once (or settle on why not); the id is saved before furnishing."""
        record = progress.record
        if not self.wanted(record) or (record.channel and record.channel.settled):
            return
        plan = record.channel
        if plan is None:  # saved with create_sent, just below: one write on the critical path
            plan = ChannelPlan(name=self._name(record), private=self._private(record))
        while plan.id is None and plan.error is None:
            if plan.create_sent:
                found = self.channels.find_own(plan.name, plan.private)
                if found is not None:
                    log.info("declaration %s: found the channel of an earlier try", record.key)
                    plan = self._save(progress, plan.model_copy(update={"id": found}))
                    break
            plan = self._save(progress, plan.model_copy(update={"create_sent": True}))
            try:
                made = self.channels.create(plan.name, plan.private)
            except ChannelRefused as exc:
                plan = self._refused(progress, plan, exc)
                continue
            plan = self._save(progress, plan.model_copy(update={"id": made}))
        if plan.id is not None:
            log.info("declaration %s: incident channel %s", record.key, plan.id)

    def _refused(self, progress: Progress, plan: ChannelPlan, exc: ChannelRefused) -> ChannelPlan:
        if exc.name_taken and plan.attempt + 1 < NAME_ATTEMPTS:
            attempt = plan.attempt + 1
            name = self._name(progress.record, attempt)
            update = {"attempt": attempt, "name": name, "create_sent": False}
            return self._save(progress, plan.model_copy(update=update))
        log.warning("declaration %s: no incident channel: %s", progress.record.key, exc.reason)
        note = f"No incident channel: {exc.reason} Fix: {exc.fix}"
        record = progress.record.advance(
            channel=plan.model_copy(update={"error": note}), notes=(*progress.record.notes, note)
        )
        saved = progress.save(record).channel
        assert saved is not None
        return saved

    def start_furnishing(self, record: DeclarationRecord) -> Future[Furnished] | None:
        """Invite, topic and bookmark on the pool (not saved here: see `finish_furnishing`)."""
        plan = record.channel
        if plan is None or plan.id is None or plan.ready:
            return None
        return self.pool.submit(self._furnish, record, plan)

    def _furnish(self, record: DeclarationRecord, plan: ChannelPlan) -> Furnished:
        assert plan.id is not None
        notes: list[str] = []
        channel_id = plan.id

        def invite() -> None:
            notes.extend(self.channels.invite(channel_id, invitees(record)))

        def set_topic() -> None:
            self.channels.set_topic(channel_id, first_topic(record))

        for task in (invite, set_topic):
            try:
                task()
            except Exception as exc:  # noqa: BLE001 - a furnishing problem is told, not fatal
                log.warning("declaration %s: furnishing the channel: %s", record.key, exc)
                notes.append(f"Setting up the incident channel: {exc}")
        bookmarked = plan.bookmarked
        if not bookmarked and record.incident_url:
            try:
                bookmarked = self.channels.bookmark(
                    plan.id, f"{record.incident_label} in Datadog", record.incident_url
                )
            except Exception as exc:  # noqa: BLE001 - as above
                log.warning("declaration %s: bookmark: %s", record.key, exc)
        return Furnished(tuple(notes), bookmarked)

    def finish_furnishing(self, progress: Progress, pending: Future[Furnished] | None) -> None:
        """Wait for furnishing (or run it now, after a crash) and save what it did."""
        if pending is None:
            pending = self.start_furnishing(progress.record)
            if pending is None:
                return
        done = pending.result()
        record = progress.record
        plan = record.channel
        assert plan is not None
        plan = plan.model_copy(
            update={"invited": True, "topic_set": True, "bookmarked": done.bookmarked}
        )
        progress.save(record.advance(channel=plan, notes=(*record.notes, *done.notes)))

    def start_pointer(self, record: DeclarationRecord) -> Future[tuple[str, str]] | None:
        plan = record.channel
        if plan is None or plan.id is None or plan.pointer_ts is not None:
            return None
        return self.pool.submit(self.channels.post_pointer, record)

    def finish_pointer(self, progress: Progress, pending: Future[tuple[str, str]] | None) -> None:
        """Save the pointer's ts (a resumed run posts it now if a crash came first)."""
        if pending is None:
            pending = self.start_pointer(progress.record)
            if pending is None:
                return
        where: tuple[str | None, str] = (None, "")
        try:
            where = pending.result()
        except Exception:  # the card and the reply still carry the link
            log.exception("declaration %s: the pointer failed", progress.record.key)
        plan = progress.record.channel
        assert plan is not None
        update = {"pointer_channel": where[0], "pointer_ts": where[1]}
        self._save(progress, plan.model_copy(update=update))

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
