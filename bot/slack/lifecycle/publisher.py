"""The domain's CardPublisher over Slack: the card edited in place, notes in its thread.

`chat.update` refusals that won't change (`message_not_found`, `cant_update_message`,
`edit_window_closed`, channel gone) fail the step for good; anything else is retryable.
The person is told in the change's modal and ephemerally in the card's channel (else by
DM) when it failed, or when a field was not sent because someone else changed it first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident.changes import Change
from bot.domain.lifecycle.record import IncidentCard, Overtaken, UpdateJob, UpdateStep
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.common.ids import UPDATE_RETRY_ACTION
from bot.slack.common.mrkdwn import FALLBACK_MAX, cut, safe, verbatim
from bot.slack.declare.form.blocks import status_view
from bot.slack.errors import CARD_FINAL, error_of
from bot.slack.incident.card import Message, card, change_note, mention

log = logging.getLogger(__name__)

_DONE = {"update": "Updated", "resolve": "Resolved", "reopen": "Reopened"}
_BUTTON = {"update": "Update", "resolve": "Resolve", "reopen": "Reopen"}


class ChannelIsArchived(StepFailed):
    """`chat.update` refused: the card's channel is archived (final, unless unarchived)."""


def card_message(found: IncidentCard, *, postmortem: bool = True) -> Message:
    """The card as stored; `postmortem`: resolved cards' Postmortem button (not with
    DECLARE_POSTMORTEM=never)."""
    return card(
        found.shown,
        commander_slack_id=found.commander_slack_id,
        responders=found.responders,
        status_at=found.status_at,
        status_due=found.status_due,
        notice=found.status_notice,
        postmortem_url=found.postmortem_url,
        postmortem=postmortem,
    )


def failure_message(job: UpdateJob, label: str) -> Message:
    """Datadog's reason and a Retry that resumes this same update."""
    reason = safe(job.error or "an unknown error", 1500)
    if job.failed_at in (UpdateStep.PATCHED, UpdateStep.CARD_UPDATED):
        body = (
            f":warning: {safe(label, 100)} has the change in Datadog, but: {reason}\n"
            "Press *Retry* to bring the card and its thread up to date."
        )
    else:
        body = (
            f":x: Couldn't {job.kind.value} {safe(label, 100)}: {reason}\n"
            "Press *Retry* to send the same change again (that is safe)."
        )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": verbatim(cut(body, 2990))},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Retry"},
                    "action_id": UPDATE_RETRY_ACTION,
                    "value": job.key,
                    "style": "primary",
                }
            ],
        },
    ]
    return cut(f"{label}: {job.kind.value} failed", FALLBACK_MAX), blocks


def _overtaken_line(lost: Overtaken) -> str:
    who = mention(lost.by) if lost.by else "Someone in Datadog"
    theirs = safe(lost.theirs or "empty", 300)
    mine = safe(lost.mine or "your change", 300)
    return (
        f"• {who} changed {safe(lost.name, 100)} to {theirs} meanwhile (after you opened "
        f"the form); your {mine} was not sent."
    )


def overtaken_message(job: UpdateJob, label: str) -> Message:
    """Which of the person's fields someone else changed first, and what to do next.

    E.g. "• <@U1> changed severity to SEV-1 meanwhile (after you opened the form); your
    SEV-4 was not sent."
    """
    sent = not job.changes.empty
    head = "Part of your change" if sent else "Your change"
    lines = [f":warning: {head} to {safe(label, 100)} was not sent to Datadog:"]
    lines += [_overtaken_line(lost) for lost in job.overtaken]
    if sent:
        lines.append("Your other changes were saved.")
    button = _BUTTON.get(job.kind.value, "Update")
    lines.append(f"Check the card: if yours is still right, press *{button}* and make it again.")
    body = cut("\n".join(lines), 2990)
    blocks: list[dict[str, Any]] = [{"type": "section", "text": verbatim(body)}]
    return cut(f"{label}: your change was not sent", FALLBACK_MAX), blocks


class SlackCardPublisher:
    def __init__(self, client: WebClient, *, postmortem: bool = True) -> None:
        self.client = client
        self.postmortem = postmortem
        """Resolved cards show Postmortem (False with DECLARE_POSTMORTEM=never)."""

    def update_card(self, card: IncidentCard) -> None:
        text, blocks = card_message(card, postmortem=self.postmortem)
        try:
            self.client.chat_update(channel=card.channel, ts=card.ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            reason = error_of(exc)
            failure = ChannelIsArchived if reason == "is_archived" else StepFailed
            raise failure(
                f"Slack did not update the card ({reason}).",
                retryable=reason not in CARD_FINAL,
            ) from exc
        except OSError as exc:  # an update is safe to send again
            raise StepFailed(
                f"Slack did not answer the card update ({type(exc).__name__}).", retryable=True
            ) from exc

    def post_card(self, card: IncidentCard, channel: str, thread_ts: str | None, why: str) -> str:
        """The card posted anew (its old message can't be edited), `why` in its thread."""
        text, blocks = card_message(card, postmortem=self.postmortem)
        where: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        try:
            posted = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, **where
            )
            ts = str(posted["ts"])
            self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts or ts,
                text=cut(why, FALLBACK_MAX),
                blocks=[{"type": "section", "text": verbatim(cut(why, 2990))}],
                unfurl_links=False,
            )
        except SlackApiError as exc:
            reason = error_of(exc)
            raise StepFailed(
                f"Slack did not take the card where it was declared ({reason}).",
                retryable=reason not in CARD_FINAL,
            ) from exc
        return ts

    def post_note(self, card: IncidentCard, actor_id: str, changes: Sequence[Change]) -> str | None:
        text, blocks = change_note(actor_id, changes, card.shown.label)
        return post_under_card(self.client, card, (text, blocks), "the thread note")

    def report_failure(self, job: UpdateJob, card: IncidentCard | None) -> None:
        label = card.shown.label if card else "the incident"
        text, blocks = failure_message(job, label)
        self._modal(job, "Not saved", blocks[0]["text"]["text"])
        self._tell(job, card, text, blocks, "failure")

    def report_done(self, job: UpdateJob, card: IncidentCard | None) -> None:
        if not job.overtaken:
            self._modal(job, _DONE.get(job.kind.value, "Updated"), ":white_check_mark: Done.")
            return
        text, blocks = overtaken_message(job, card.shown.label if card else "the incident")
        self._modal(
            job, "Partly saved" if not job.changes.empty else "Not sent", blocks[0]["text"]["text"]
        )
        self._tell(job, card, text, blocks, "overtaken")

    def _tell(
        self,
        job: UpdateJob,
        card: IncidentCard | None,
        text: str,
        blocks: list[dict[str, Any]],
        what: str,
    ) -> None:
        tell_person(self.client, job.actor_id, card, (text, blocks), f"an update {what}")

    def _modal(self, job: UpdateJob, title: str, text: str) -> None:
        if not job.modal_view_id:
            return
        try:
            self.client.views_update(view_id=job.modal_view_id, view=status_view(title, text))
        except SlackApiError as exc:
            log.debug("views.update after an update failed: %s", error_of(exc))


def tell_person(
    client: WebClient, user_id: str, card: IncidentCard | None, message: Message, what: str
) -> None:
    """Ephemerally in the card's channel, else by DM; a failure of both is logged."""
    text, blocks = message
    try:
        client.chat_postEphemeral(
            channel=card.channel if card else user_id, user=user_id, text=text, blocks=blocks
        )
        return
    except SlackApiError as exc:
        log.info("ephemeral notice of %s failed (%s); sending a DM", what, error_of(exc))
    try:
        opened = client.conversations_open(users=user_id)
        client.chat_postMessage(channel=str(opened["channel"]["id"]), text=text, blocks=blocks)
    except SlackApiError as exc:
        log.error("could not tell %s of %s: %s", user_id, what, error_of(exc))


def post_under_card(client: WebClient, card: IncidentCard, note: Message, what: str) -> str:
    """A note in the card's thread; StepFailed (retryable unless the card is gone for good)."""
    text, blocks = note
    try:
        response = client.chat_postMessage(
            channel=card.channel,
            thread_ts=card.thread_ts,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        reason = error_of(exc)
        raise StepFailed(
            f"Posting {what} failed ({reason}).", retryable=reason not in CARD_FINAL
        ) from exc
    return str(response["ts"])
