"""The declaration's page: once the incident exists, before it is announced, page whom the
form named (a team, or a person found by email as the commander is), at most once.

`page_started_at` is saved before the request: a resume that finds it set with no outcome
saved cannot look (Datadog lists no incident's pages), so it says the page may have gone
out and never pages again. A page that fails never fails the declaration: the incident
stands, and the thread reply says what happened (docs/paging.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.domain.declare._progress import Progress
from bot.domain.declare.commander import CommanderResolver
from bot.domain.declare.record import DeclarationRecord
from bot.domain.incident.journal import EntryKind, Journal, JournalEntry
from bot.domain.reliability.outcomes import LookupFailed, StepFailed
from bot.domain.reliability.policy import RunnerPolicy
from bot.domain.reliability.retry import retrying
from bot.domain.responders.paging import (
    Pager,
    PageRequest,
    PageSent,
    PageTarget,
    PageTargetKind,
    page_title,
)

log = logging.getLogger(__name__)

MAY_HAVE_GONE = (
    "may have been sent: its answer was lost, and Datadog lists no pages to check, so "
    "declare-bot did not page again. Check On-Call in Datadog, and page from the card if "
    "it did not go out."
)


def whom(target: PageTarget) -> str:
    """Before the note's ": " (a mention stays a mention there, render_note)."""
    if target.kind is PageTargetKind.USER_UUID and target.slack_id:
        return f"<@{target.slack_id}>"
    if target.label and target.label != target.identifier:
        return f"{target.label} ({target.identifier})"
    return target.shown


class _MayHaveGone(StepFailed):
    """An ambiguous failure: not retried (a retry could page twice)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False, ambiguous=True)


class PageStep:
    """Pages for a declaration; `run` is safe to call again at any point after a crash."""

    def __init__(
        self,
        pager: Pager,
        resolver: CommanderResolver,
        policy: RunnerPolicy,
        sleep: Callable[[float], None],
        journal: Journal | None = None,
    ) -> None:
        self.pager = pager
        self.resolver = resolver
        self.policy = policy
        self.sleep = sleep
        self.journal = journal

    def run(self, progress: Progress) -> None:
        record = progress.record
        request = record.page
        if request is None or record.page_sent is not None or record.incident_id is None:
            return
        if record.page_started_at is not None:
            log.warning("declaration %s: its page may have gone out; not paging again", record.key)
            self._done(progress, PageSent(), f"The page to {whom(request.target)} {MAY_HAVE_GONE}")
            return
        try:
            request = self._resolved(request)
        except (LookupFailed, TimeoutError) as exc:
            self._done(progress, PageSent(), f"Couldn't page {whom(request.target)}: {exc}")
            return
        progress.save(record.advance(page_started_at=progress.now()))
        try:
            sent = self._send(record, request)
        except _MayHaveGone:
            self._done(progress, PageSent(), f"The page to {whom(request.target)} {MAY_HAVE_GONE}")
            self._keep(progress.record, request, PageSent())
            return
        except StepFailed as exc:
            self._done(progress, PageSent(), f"Couldn't page {whom(request.target)}: {exc.reason}")
            return
        self._done(progress, sent, f"Paged {whom(request.target)}: page id {sent.page_id}")
        self._keep(progress.record, request, sent)

    def _keep(self, record: DeclarationRecord, request: PageRequest, sent: PageSent) -> None:
        """The journal's `paged` entry (once: its key is the declaration's), for the
        postmortem; a journal that can't be written loses one line, never the page."""
        if self.journal is None or record.incident_id is None:
            return
        verb = "Paged" if sent.confirmed else "Maybe paged"
        entry = JournalEntry(
            key=f"paged:{record.key}",
            incident_id=record.incident_id,
            at=record.page_started_at or record.updated_at,
            kind=EntryKind.PAGED,
            actor_id=record.declaration.origin.user_id,
            text=f"{verb} {request.target.shown} while declaring"
            + (f": {request.message}" if request.message else ""),
            data={"page_id": sent.page_id, "target": request.target.identifier},
        )
        try:
            self.journal.add_entry(entry)
        except Exception:  # the page stands; the journal misses one line
            log.warning(
                "declaration %s: keeping the page's journal entry failed", record.key, exc_info=True
            )

    def _resolved(self, request: PageRequest) -> PageRequest:
        target = request.target
        if not target.unresolved or target.slack_id is None:
            return request
        found = self.resolver.resolve(target.slack_id, timeout=self.policy.commander_timeout)
        person = PageTarget.person(found.datadog_id, target.slack_id, found.email)
        return request.model_copy(update={"target": person})

    def _send(self, record: DeclarationRecord, request: PageRequest) -> PageSent:
        assert record.incident_id is not None and record.public_id is not None
        title = page_title(record.public_id, record.declaration.title)

        def once() -> PageSent:
            try:
                return self.pager.page(record.incident_id or "", request, title=title)
            except StepFailed as exc:
                if exc.ambiguous:
                    raise _MayHaveGone(exc.reason) from exc
                raise

        return retrying(
            once, attempts=self.policy.create_attempts, policy=self.policy, sleep=self.sleep
        )

    @staticmethod
    def _done(progress: Progress, sent: PageSent, note: str) -> None:
        log.info("declaration %s: %s", progress.record.key, note)
        progress.update(lambda r: r.advance(page_sent=sent, notes=(*r.notes, note)))
