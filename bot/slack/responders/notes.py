"""The thread notes for responders: one per change, naming who made it."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk import WebClient

from bot.domain.incident.responders import Responder
from bot.domain.lifecycle.record import IncidentCard
from bot.slack.common.mrkdwn import FALLBACK_MAX, SECTION_MAX, cut, safe, verbatim
from bot.slack.incident.card import Message, mention, responder_label
from bot.slack.lifecycle.publisher import post_under_card


def _role(responder: Responder) -> str:
    return f" ({safe(responder.role_name, 100)})" if responder.role_name else ""


def _message(body: str, text: str) -> Message:
    """`body` is mrkdwn already escaped; `text` (the fallback) is plain and escaped here."""
    return safe(text, FALLBACK_MAX), [{"type": "section", "text": verbatim(cut(body, SECTION_MAX))}]


def added_note(
    actor_id: str, responder: Responder, label: str, notes: Sequence[str] = ()
) -> Message:
    """`<@actor> added <@person> as a responder (Scribe).`, and any invite refusal."""
    body = (
        f"{mention(actor_id)} added {responder_label(responder)} as a responder{_role(responder)}."
    )
    body += "".join(f"\n:warning: {note}" for note in notes)
    role = f" ({responder.role_name})" if responder.role_name else ""
    return _message(body, f"{label}: {responder.label}{role} added as a responder")


def removed_note(actor_id: str, responder: Responder, label: str) -> Message:
    body = f"{mention(actor_id)} removed {responder_label(responder)} from the responders."
    return _message(body, f"{label}: {responder.label} removed from the responders")


def datadog_note(
    added: Sequence[Responder], removed: Sequence[Responder], by: str | None, label: str
) -> Message:
    """Responders changed in Datadog: who did it when Datadog says (plain text, escaped)."""
    who = safe(f"{by} (in Datadog)" if by else "Someone in Datadog", 300)
    lines = [f"added {responder_label(r)} as a responder{_role(r)}" for r in added]
    lines += [f"removed {responder_label(r)} from the responders" for r in removed]
    if len(lines) == 1:
        body = f"{who} {lines[0]}."
    else:
        body = f"{who} changed the responders:" + "".join(f"\n• {line}" for line in lines)
    plain = [f"+{r.label}" for r in added] + [f"-{r.label}" for r in removed]
    return _message(body, f"{label}: responders {' '.join(plain)}")


class SlackResponderNotes:
    """The sync's `ResponderNotes`: one note under the card for responders changed in
    Datadog."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post_responders_note(
        self,
        card: IncidentCard,
        added: tuple[Responder, ...],
        removed: tuple[Responder, ...],
        by: str | None,
    ) -> None:
        note = datadog_note(added, removed, by, card.shown.label)
        post_under_card(self.client, card, note, "the responders note")
