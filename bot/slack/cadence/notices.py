"""Cadence over Slack: reminders where the incident is run, the stakeholder channel.

A reminder goes to the incident channel when it has one (the card lives there, not where
it was declared), else into the card's thread. The stakeholder message is posted once per
incident declared in a public channel; a private incident (declared in a private channel
or a DM, or one whose channel Slack won't describe) is never posted there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.cadence.policy import ReminderPolicy
from bot.domain.cadence.schedule import Cadence
from bot.domain.cadence.update import StatusUpdate
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.cadence.messages import reminder, stakeholder, stakeholder_changes, status_update
from bot.slack.common.signed_buttons import ButtonSigner
from bot.slack.errors import CARD_FINAL, MAY_HAVE_POSTED, error_of
from bot.slack.incident.card import Message

log = logging.getLogger(__name__)


def where_run(card: IncidentCard) -> tuple[str, str | None]:
    """(channel, thread): the incident channel itself when it has one, else the card's thread."""
    if card.origin_channel and card.channel != card.origin_channel:
        return card.channel, None
    return card.channel, card.thread_ts


def has_own_channel(card: IncidentCard) -> bool:
    return bool(card.origin_channel) and card.channel != card.origin_channel


def _post(
    client: WebClient,
    channel: str,
    thread_ts: str | None,
    message: Message,
    what: str,
    *,
    broadcast: bool = False,
) -> str:
    text, blocks = message
    try:
        response = client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=text,
            blocks=blocks,
            reply_broadcast=broadcast or None,
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        reason = error_of(exc)
        final = reason in CARD_FINAL or reason in MAY_HAVE_POSTED
        raise StepFailed(f"Posting {what} failed ({reason}).", retryable=not final) from exc
    return str(response["ts"])


class SlackCadence:
    """`ReminderNotices` over Slack, and the posts a status update makes."""

    def __init__(
        self,
        client: WebClient,
        signer: ButtonSigner,
        policy: ReminderPolicy,
        *,
        updates_channel: str = "",
    ) -> None:
        self.client, self.signer, self.policy = client, signer, policy
        self.updates_channel = updates_channel

    def post_reminder(self, cadence: Cadence, card: IncidentCard) -> None:
        channel, thread = where_run(card)
        message = reminder(cadence, card, self.signer.sign_key(card.key), self.policy.snooze)
        _post(self.client, channel, thread, message, "the reminder")

    def post_status(self, update: StatusUpdate, card: IncidentCard) -> str:
        """The update in the card's thread; also in the channel when it is the incident's own."""
        return _post(
            self.client,
            card.channel,
            card.thread_ts,
            status_update(update, card.shown),
            "the status update",
            broadcast=has_own_channel(card),
        )

    # the stakeholder channel

    def public(self, card: IncidentCard) -> bool:
        """Declared in a public channel (asked of Slack; any doubt counts as private)."""
        try:
            info = self.client.conversations_info(channel=card.declared_from)
        except SlackApiError as exc:
            log.info("stakeholders: %s not described (%s): private", card.key, error_of(exc))
            return False
        found = info.get("channel") or {}
        return not any(found.get(k) for k in ("is_private", "is_im", "is_mpim", "is_group"))

    def _permalink(self, card: IncidentCard) -> str | None:
        try:
            return str(
                self.client.chat_getPermalink(channel=card.channel, message_ts=card.ts)["permalink"]
            )
        except Exception:  # noqa: BLE001 - the message still says where it stands
            return None

    def post_stakeholder(self, cadence: Cadence, card: IncidentCard) -> str | None:
        if not self.updates_channel or not self.public(card):
            return None
        return _post(
            self.client,
            self.updates_channel,
            None,
            stakeholder(card, self._permalink(card)),
            "the stakeholder message",
        )

    def edit_stakeholder(self, ts: str, card: IncidentCard) -> None:
        text, blocks = stakeholder(card, self._permalink(card))
        try:
            self.client.chat_update(channel=self.updates_channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.warning("stakeholders: editing %s failed: %s", card.key, error_of(exc))

    def reply_stakeholder(self, ts: str, message: Message) -> None:
        try:
            _post(self.client, self.updates_channel, ts, message, "the stakeholder reply")
        except StepFailed as exc:
            log.warning("stakeholders: %s", exc.reason)

    def stakeholder_status(self, ts: str, update: StatusUpdate, card: IncidentCard) -> None:
        self.reply_stakeholder(ts, status_update(update, card.shown))

    def stakeholder_changes(
        self, ts: str, card: IncidentCard, who: str, lines: Sequence[str]
    ) -> None:
        self.reply_stakeholder(ts, stakeholder_changes(card.shown.label, who, lines))
