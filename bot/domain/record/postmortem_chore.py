"""Drafting the postmortem into Datadog, exactly once: the `ChoreWork` of kind "postmortem".

One postmortem per incident: the chore's key is the incident's (`postmortem_chore_key`),
so the resolve modal's "Draft the postmortem", a Postmortem press, a second press and a
redelivery are one stored chore. The one `ChoreRunner` (bot/domain/lifecycle/chores.py)
saves `sending` before the write; a resume from there, or a failure that may have landed,
calls `find` first, which lists the incident's attachments for its postmortem. `send`
looks as well before it writes (one GET), so a postmortem already in Datadog (made by hand,
or by a lost answer) is linked, never made twice. Once sent, the card keeps the link, its
Postmortem button opens it, and the thread says who asked for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from bot.domain.incident.journal import EntryKind, Journal, JournalEntry
from bot.domain.lifecycle.card import publish_card
from bot.domain.lifecycle.chores import Chore, chore_key
from bot.domain.lifecycle.journaling import keep
from bot.domain.lifecycle.ports import CardPublisher, IncidentStore
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.record.postmortem import (
    DraftResponder,
    DraftTodo,
    PostmortemDraft,
    draft_postmortem,
    people_in,
    responders_from,
    todos_from,
)
from bot.domain.record.todos import Todo
from bot.domain.reliability.outcomes import StepFailed

log = logging.getLogger(__name__)

KIND = "postmortem"


def postmortem_chore_key(incident_id: str) -> str:
    """One postmortem chore per incident, whoever asks and however often."""
    return chore_key(KIND, incident_id)


def postmortem_chore(card: IncidentCard, actor_id: str, *, via: str) -> Chore:
    """The chore of drafting `card`'s postmortem, asked by `actor_id` (`via`: "resolve" or
    "button", named in the thread)."""
    return Chore(
        key=postmortem_chore_key(card.incident_id),
        kind=KIND,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=actor_id,
        params={"via": via},
    )


class PostmortemLink(BaseModel):
    """The incident's postmortem in Datadog."""

    model_config = ConfigDict(frozen=True)

    attachment_id: str
    url: str
    title: str = ""


class PostmortemDatadog(Protocol):
    """The incident's postmortem attachment in Datadog (bot/datadog/postmortems.py)."""

    def find_postmortem(self, incident_id: str) -> PostmortemLink | None:
        """The incident's postmortem, if it has one; StepFailed when Datadog can't say."""
        ...

    def create_postmortem(self, incident_id: str, draft: PostmortemDraft) -> PostmortemLink:
        """The one write; StepFailed (ambiguous when it may have landed)."""
        ...


class PostmortemSlack(Protocol):
    """The Slack side (bot/slack/record/postmortem_slack.py)."""

    def names(self, user_ids: Collection[str]) -> dict[str, str]:
        """Display names of Slack users (a lookup that fails leaves the id)."""
        ...

    def post_drafted(self, card: IncidentCard, actor_id: str, link: PostmortemLink) -> str | None:
        """The thread note: the postmortem, and who asked for it; its ts."""
        ...

    def tell_asker(self, card: IncidentCard, actor_id: str, link: PostmortemLink) -> None:
        """The link, to the person who asked, when the card and its thread can't show it."""
        ...

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        """Datadog's reason, to the person who asked, with Retry."""
        ...


TodoReader = Callable[[str], Sequence[Todo]]
"""The incident's to-dos as Datadog holds them now (bot/domain/record/ports.py `todos`)."""


def draft_todos(todos: Sequence[Todo]) -> list[DraftTodo]:
    return [
        DraftTodo(
            content=t.content,
            assignees=(*t.assignees, *(a.name for a in t.anonymous)),
            done=t.completed is not None,
            due=t.due.isoformat() if t.due else None,
        )
        for t in todos
    ]


def draft_responders(card: IncidentCard) -> list[DraftResponder]:
    """The responders the card lists (Datadog's, kept by the responders feature)."""
    return [
        DraftResponder(name=r.label, roles=(r.role_name,) if r.role_name else ())
        for r in card.responders
    ]


class PostmortemWork:
    """The `ChoreWork` of kind "postmortem"."""

    kind = KIND

    def __init__(
        self,
        datadog: PostmortemDatadog,
        slack: PostmortemSlack,
        journal: Journal,
        cards: IncidentStore,
        publisher: CardPublisher,
        *,
        template: str | None = None,
        todos: TodoReader | None = None,
    ) -> None:
        self.datadog = datadog
        self.slack = slack
        self.journal = journal
        self.cards = cards
        self.publisher = publisher
        self.template = template
        self.todos = todos

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        found = self.datadog.find_postmortem(chore.incident_id)
        return found.model_dump() if found else None

    def draft(self, card: IncidentCard) -> PostmortemDraft:
        """The draft from what the bot kept: the card's incident and its journal, the card's
        responders and Datadog's to-dos (else the journal's account of both)."""
        entries = self.journal.entries(card.incident_id)
        names = self.slack.names(sorted(people_in(entries)))
        responders = draft_responders(card) or responders_from(entries, names)
        return draft_postmortem(
            card.shown,
            entries,
            todos=self._todos(card, entries),
            responders=responders,
            names=names,
            template=self.template,
        )

    def _todos(self, card: IncidentCard, entries: Sequence[JournalEntry]) -> list[DraftTodo]:
        if self.todos is not None:
            try:
                return draft_todos(self.todos(card.incident_id))
            except StepFailed as exc:  # the journal knows what was done from Slack
                log.info("to-dos of %s not read (%s): the journal's", card.shown.label, exc)
        return todos_from(entries)

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        found = self.datadog.find_postmortem(chore.incident_id)
        if found is not None:  # in Datadog already (by hand, or a lost answer): linked
            log.info("the postmortem of %s is in Datadog already", card.shown.label)
            return found.model_dump()
        return self.datadog.create_postmortem(chore.incident_id, self.draft(card)).model_dump()

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        """The card links it and the thread says so; where Slack can no longer edit them
        for good (an incident channel archived on resolve), the person who asked is told
        the link instead (ephemerally, else by DM)."""
        link = PostmortemLink.model_validate(chore.result)
        shown = self._link_card(card, link)
        self._journal(chore, link)
        note_ts = None
        try:
            note_ts = self.slack.post_drafted(card, chore.actor_id, link)
        except StepFailed as exc:
            if exc.retryable:
                raise
            log.info("the postmortem note of %s not posted: %s", card.shown.label, exc.reason)
            shown = False
        if not shown:
            self.slack.tell_asker(card, chore.actor_id, link)
        return {"note_ts": note_ts, "url": link.url}

    def _link_card(self, card: IncidentCard, link: PostmortemLink) -> bool:
        """The card keeps the link (its Postmortem button opens it): saved, then shown;
        False when Slack refuses the edit for good (the link is kept all the same)."""
        for _ in range(3):
            fresh = self.cards.get_card(card.key) or card
            if fresh.postmortem_url == link.url:
                return self._show(fresh)
            linked = fresh.model_copy(update={"postmortem_url": link.url})
            if self.cards.save_card(linked):
                return self._show(linked.model_copy(update={"version": linked.version + 1}))
        raise StepFailed("The card kept changing while the postmortem was linked.", retryable=True)

    def _show(self, card: IncidentCard) -> bool:
        try:
            publish_card(self.cards, self.publisher, card)
        except StepFailed as exc:
            if exc.retryable:
                raise
            log.info("the card of %s not edited: %s", card.shown.label, exc.reason)
            return False
        return True

    def _journal(self, chore: Chore, link: PostmortemLink) -> None:
        keep(
            self.journal,
            JournalEntry(
                key=f"postmortem:{link.attachment_id}",
                incident_id=chore.incident_id,
                at=chore.updated_at,
                kind=EntryKind.POSTMORTEM,
                actor_id=chore.actor_id,
                text=link.title,
                permalink=link.url,
            ),
        )

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        self.slack.report_failure(chore, card)
