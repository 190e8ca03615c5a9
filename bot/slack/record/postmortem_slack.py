"""The postmortem's Slack side: names of the people it mentions, the thread note, failures.

The domain's `PostmortemSlack` (bot/domain/record/postmortem_chore.py). The note names who
asked for it and links Datadog's notebook; a failure reaches that person with Retry (the
foundation's one Retry for chores, bot/slack/lifecycle/chore_retry.py).
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from slack_sdk import WebClient

from bot.domain.lifecycle.chores import Chore
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.record.postmortem import LIST_MAX
from bot.domain.record.postmortem_chore import PostmortemLink
from bot.domain.reliability.outcomes import LookupFailed
from bot.slack.common.mrkdwn import FALLBACK_MAX, cut, safe, verbatim
from bot.slack.common.people import SlackPeople
from bot.slack.incident.card import Message, mention
from bot.slack.lifecycle.chore_retry import tell_chore_failure
from bot.slack.lifecycle.publisher import post_under_card, tell_person

log = logging.getLogger(__name__)

NAMES_MAX = 2 * LIST_MAX
"""People looked up for one draft (each is one users.info); the rest are shown by id."""


def drafted_note(card: IncidentCard, actor_id: str, link: PostmortemLink) -> Message:
    """ ":memo: Postmortem drafted in Datadog for IR-12, asked for by @ana: <link>"."""
    title = safe(link.title or f"Postmortem: {card.shown.label}", 300)
    shown = f"<{link.url}|{title}>" if link.url.startswith("https://") else title
    body = (
        f":memo: Postmortem drafted in Datadog for {safe(card.shown.label, 100)}, "
        f"asked for by {mention(actor_id)}: {shown}\n"
        "It holds what was kept here: the timeline, status updates, messages added to the "
        "incident, responders and to-dos. Edit it in Datadog."
    )
    text = cut(f"Postmortem drafted for {card.shown.label}: {link.url}", FALLBACK_MAX)
    return text, [{"type": "section", "text": verbatim(cut(body, 2990))}]


class SlackPostmortems:
    def __init__(self, client: WebClient, people: SlackPeople) -> None:
        self.client = client
        self.people = people

    def names(self, user_ids: Collection[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        for user_id in list(user_ids)[:NAMES_MAX]:
            try:
                _, names[user_id] = self.people.contact_of(user_id)
            except LookupFailed as exc:  # shown by id; the draft goes on
                log.info("no name for %s in the postmortem: %s", user_id, exc)
        return names

    def post_drafted(self, card: IncidentCard, actor_id: str, link: PostmortemLink) -> str | None:
        note = drafted_note(card, actor_id, link)
        return post_under_card(self.client, card, note, "the postmortem note")

    def tell_asker(self, card: IncidentCard, actor_id: str, link: PostmortemLink) -> None:
        note = drafted_note(card, actor_id, link)
        tell_person(self.client, actor_id, card, note, "the postmortem's link")

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        tell_chore_failure(self.client, chore, card, "draft the postmortem")
