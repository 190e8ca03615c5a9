"""The page chore (kind "page"): one On-Call page from an incident, the thread told.

The write is `Pager.page` (POST /api/v2/incidents/{incident_id}/page). Datadog lists no
incident's pages, so after a lost answer (or a crash between the request and saving its
answer) there is nothing to look in: `find` answers "may have been sent" (an empty page
id) instead of sending again, the thread says so, and **Page again** lets the person
choose to page once more. A refused page (no On-Call, a permission missing, an unknown
target) is told to its person with why, what to do, and Page again. docs/paging.md.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.domain.incident.journal import EntryKind, Journal, JournalEntry
from bot.domain.lifecycle.chores import Chore
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.responders.paging import (
    Pager,
    PageRequest,
    PageSent,
    PageTargetKind,
    page_title,
)
from bot.slack.common.ids import PAGE_AGAIN_ACTION
from bot.slack.common.mrkdwn import FALLBACK_MAX, cut, safe, verbatim
from bot.slack.incident.card import Message, mention
from bot.slack.lifecycle.chore_retry import show_in_modal
from bot.slack.lifecycle.publisher import post_under_card, tell_person

log = logging.getLogger(__name__)

KIND = "page"
MESSAGE_SHOWN = 500
MAYBE_PAGED = (
    ":warning: The page to {} *may have been sent*: Datadog's answer was lost. The note "
    "under the card has *Page again*."
)
"""Characters of the page's message repeated in the thread note."""


def whom(request: PageRequest) -> str:
    """Who is paged, in mrkdwn: the person's mention, or the team's name and handle."""
    target = request.target
    if target.kind is PageTargetKind.USER_UUID and target.slack_id:
        return mention(target.slack_id)
    if target.kind is PageTargetKind.TEAM_HANDLE and target.label != target.identifier:
        return f"*{safe(target.shown, 100)}* (`{safe(target.identifier, 100)}`)"
    return f"*{safe(target.shown, 100)}*"


def page_again_button(chore_key: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Page again"},
        "action_id": PAGE_AGAIN_ACTION,
        "value": chore_key,
    }


def page_note(chore: Chore, request: PageRequest, sent: PageSent, label: str) -> Message:
    """The thread note: who was paged, by whom, and Datadog's page id (or that it may
    have been sent, with Page again)."""
    by = mention(chore.actor_id)
    blocks: list[dict[str, Any]] = []
    if sent.confirmed:
        body = f":pager: Paged {whom(request)}, by {by} (page id `{safe(sent.page_id, 100)}`)."
    else:
        body = (
            f":warning: The page to {whom(request)}, by {by}, *may have been sent*: Datadog's "
            "answer was lost, and Datadog lists no pages to check, so declare-bot does not "
            "page again on its own. Check On-Call in Datadog; press *Page again* if it did "
            "not go out."
        )
    if request.message:
        body += f"\n>{safe(cut(request.message, MESSAGE_SHOWN), 600)}"
    blocks.append({"type": "section", "text": verbatim(cut(body, 2990))})
    if not sent.confirmed:
        blocks.append({"type": "actions", "elements": [page_again_button(chore.key)]})
    verb = "paged" if sent.confirmed else "may have paged"
    plain = request.target.shown
    return safe(f"{label}: {verb} {plain}", FALLBACK_MAX), blocks


def failure_note(chore: Chore, request: PageRequest, label: str) -> Message:
    """Why the page failed, told to its person, with Page again."""
    reason = safe(chore.error or "an unknown error", 1500)
    body = f":x: Couldn't page {whom(request)} on {safe(label, 100)}: {reason}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": verbatim(cut(body, 2990))},
        {"type": "actions", "elements": [page_again_button(chore.key)]},
    ]
    return safe(f"{label}: couldn't page {request.target.shown}", FALLBACK_MAX), blocks


class PageWork:
    """The `ChoreWork` of pages: registered on the runner by bot/services.py."""

    kind = KIND

    def __init__(self, slack: WebClient, pager: Pager, journal: Journal) -> None:
        self.slack = slack
        self.pager = pager
        self.journal = journal

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        """Nothing to look in (Datadog lists no incident's pages): after a lost answer or a
        crash mid-send the page *may* have gone out, so it is never sent again here."""
        log.warning("page %s: its answer is unknown; not paging again on our own", chore.key)
        return PageSent().model_dump()

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        request = PageRequest.model_validate(chore.params)
        title = page_title(card.shown.public_id, card.shown.title)
        return self.pager.page(chore.incident_id, request, title=title).model_dump()

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        request = PageRequest.model_validate(chore.params)
        sent = PageSent.model_validate(chore.result)
        self._keep(chore, request, sent)  # the fact first: kept once, even if the note fails
        note = page_note(chore, request, sent, card.shown.label)
        told = {"note_ts": post_under_card(self.slack, card, note, "the page's note")}
        if sent.confirmed:
            show_in_modal(self.slack, chore, "Paged", f":white_check_mark: Paged {whom(request)}.")
        else:
            show_in_modal(self.slack, chore, "May have paged", MAYBE_PAGED.format(whom(request)))
        return told

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        request = PageRequest.model_validate(chore.params)
        label = card.shown.label if card else "the incident"
        note = failure_note(chore, request, label)
        tell_person(self.slack, chore.actor_id, card, note, "page")
        reason = safe(chore.error or "an unknown error", 1500)
        show_in_modal(
            self.slack,
            chore,
            "Not paged",
            f":x: Couldn't page {whom(request)}: {reason}\n"
            "*Page again* is in the message declare-bot sent you beside the card.",
        )

    def _keep(self, chore: Chore, request: PageRequest, sent: PageSent) -> None:
        """The journal's entry: once per chore (its key), even when told twice."""
        verb = "Paged" if sent.confirmed else "Maybe paged"
        entry = JournalEntry(
            key=f"paged:{chore.key}",
            incident_id=chore.incident_id,
            at=chore.updated_at,
            kind=EntryKind.PAGED,
            actor_id=chore.actor_id,
            text=f"{verb} {request.target.shown}"
            + (f": {request.message}" if request.message else ""),
            data={"page_id": sent.page_id, "target": request.target.identifier},
        )
        try:
            self.journal.add_entry(entry)
        except Exception:  # the page and its note stand; the journal misses one line
            log.warning("page %s: keeping its journal entry failed", chore.key, exc_info=True)
