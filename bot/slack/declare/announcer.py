"""The domain's Announcer over Slack: post, reply in thread, report, with fallbacks.

Posting into the declaring channel:
- `not_in_channel` on a public channel: join, then post;
- a permanent refusal (errors.py CANT_POST_THERE: private channel, archived, not found, ...):
  DM the person declaring, and if even that fails, an ephemeral message;
- anything else (Slack's transient errors, errors we don't know, a lost connection) is
  a retryable StepFailed: the runner posts again with backoff, then fails with Retry.
Once an incident exists its link always reaches the person, here or in the modal.

The placeholder (placeholder.py) goes the same way; the card then edits it in place.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.declare.ports import Delivery
from bot.domain.declare.record import DeclarationRecord, Delivered
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.declare import messages, placeholder
from bot.slack.declare.form.blocks import status_view
from bot.slack.errors import CANT_EDIT, CANT_POST_THERE, MAY_HAVE_POSTED, error_of

log = logging.getLogger(__name__)


def _retry_after(exc: SlackApiError) -> float:
    try:
        return float(exc.response.headers.get("Retry-After", 0) or 0)
    except (TypeError, ValueError):
        return 0.0


class SlackAnnouncer:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _post(self, channel: str, message: messages.Message, thread_ts: str | None = None) -> str:
        text, blocks = message
        kwargs: dict[str, Any] = {}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        response = self.client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
            **kwargs,
        )
        return str(response["ts"])

    def _permalink(self, channel: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError as exc:
            log.info("chat.getPermalink failed: %s", error_of(exc))
            return None

    def _dm(self, user_id: str, message: messages.Message) -> Delivery:
        opened = self.client.conversations_open(users=user_id)
        channel = str(opened["channel"]["id"])
        return Delivery(channel=channel, ts=self._post(channel, message), how=Delivered.DM)

    def post_placeholder(self, record: DeclarationRecord) -> Delivery:
        """ "Creating in Datadog…", where the announcement would go (same fallbacks)."""
        return self._deliver(record, placeholder.creating(record))

    def announce(self, record: DeclarationRecord) -> Delivery:
        """The card: the saved placeholder edited in place, else posted (with fallbacks)."""
        message = messages.announcement(record)
        if record.placeholder_channel and record.placeholder_ts and record.placeholder_how:
            try:
                self._edit(record.placeholder_channel, record.placeholder_ts, message)
                return Delivery(
                    record.placeholder_channel, record.placeholder_ts, record.placeholder_how
                )
            except SlackApiError as exc:
                reason = error_of(exc)
                if reason not in CANT_EDIT and reason not in CANT_POST_THERE:
                    raise StepFailed(
                        f"Slack did not take the announcement ({reason}).",
                        retryable=True,
                        wait=_retry_after(exc),
                    ) from exc
                log.warning("the placeholder can't be edited (%s); posting the card", reason)
            except OSError as exc:  # an edit is idempotent: doing it again is safe
                raise StepFailed(
                    f"Slack did not answer the announcement ({type(exc).__name__}).",
                    retryable=True,
                ) from exc
        return self._deliver(record, message)

    def _edit(self, channel: str, ts: str, message: messages.Message) -> None:
        text, blocks = message
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    def _deliver(self, record: DeclarationRecord, message: messages.Message) -> Delivery:
        origin = record.declaration.origin
        # In the incident channel when there is one (the origin then gets a pointer).
        target = record.channel.id if record.channel and record.channel.id else None
        thread_ts = None if target else origin.source_ts
        target = target or origin.channel_id
        how = Delivered.THREAD if thread_ts else Delivered.CHANNEL
        try:
            try:
                ts = self._post(target, message, thread_ts)
            except SlackApiError as exc:
                if error_of(exc) != "not_in_channel":
                    raise
                log.info("not in %s; joining to announce", target)
                self.client.conversations_join(channel=target)
                ts = self._post(target, message, thread_ts)
            # No permalink here: it is off the critical path, fetched after the thread reply.
            return Delivery(channel=target, ts=ts, how=how)
        except SlackApiError as exc:
            reason = error_of(exc)
            if reason not in CANT_POST_THERE:
                raise StepFailed(
                    f"Slack did not take the announcement ({reason}).",
                    retryable=True,
                    ambiguous=reason in MAY_HAVE_POSTED,
                    wait=_retry_after(exc),
                ) from exc
            log.warning("announcing in %s refused (%s); sending a DM", target, reason)
        except OSError as exc:  # no answer at all (connection, timeout): it may have landed
            raise StepFailed(
                f"Slack did not answer the announcement ({type(exc).__name__}).",
                retryable=True,
                ambiguous=True,
            ) from exc
        try:
            return self._dm(origin.user_id, message)
        except SlackApiError as exc:
            log.warning("DM to the declarer failed (%s); trying ephemeral", error_of(exc))
        try:
            text, blocks = message
            self.client.chat_postEphemeral(
                channel=origin.channel_id, user=origin.user_id, text=text, blocks=blocks
            )
            return Delivery(channel=origin.channel_id, ts=None, how=Delivered.EPHEMERAL)
        except SlackApiError as exc:
            # Not again at once: these refusals last. The person's Retry tries every way again.
            raise StepFailed(
                f"Slack refused every way to post ({reason}, then {error_of(exc)}).",
                retryable=False,
            ) from exc

    def reply_in_thread(self, record: DeclarationRecord) -> str | None:
        if record.announce_channel is None or record.announce_ts is None:
            return None
        # The source message's thread only when the announcement went there (not by DM).
        source_ts = (
            record.declaration.origin.source_ts if record.delivered is Delivered.THREAD else None
        )
        thread_ts = source_ts or record.announce_ts
        try:
            return self._post(record.announce_channel, messages.thread_reply(record), thread_ts)
        except SlackApiError as exc:
            raise StepFailed(
                f"Posting the thread reply failed ({error_of(exc)}).", retryable=True
            ) from exc

    def permalink(self, record: DeclarationRecord) -> str | None:
        if not (record.delivered and record.delivered.posted) or not record.announce_ts:
            return None
        return self._permalink(record.announce_channel or "", record.announce_ts)

    def amend_reply(self, record: DeclarationRecord) -> None:
        if record.announce_channel is None or record.thread_reply_ts is None:
            return
        text, blocks = messages.thread_reply(record)
        try:
            self.client.chat_update(
                channel=record.announce_channel, ts=record.thread_reply_ts, text=text, blocks=blocks
            )
        except SlackApiError as exc:
            log.warning("updating the thread reply failed: %s", error_of(exc))

    def report_failure(self, record: DeclarationRecord) -> None:
        """Tell the person declaring, ephemerally in the channel or else by DM; and the
        channel, by editing the placeholder, when there is one and still no incident."""
        origin = record.declaration.origin
        message = messages.failure(record)
        if record.placeholder_channel and record.placeholder_ts and record.incident_id is None:
            try:
                self._edit(
                    record.placeholder_channel,
                    record.placeholder_ts,
                    placeholder.not_created(record),
                )
            except SlackApiError as exc:
                log.warning("marking the placeholder failed: %s", error_of(exc))
        self._update_modal(
            record,
            status_view("Not declared", messages.failure_text(record), url=record.incident_url),
        )
        try:
            self.client.chat_postEphemeral(
                channel=origin.channel_id, user=origin.user_id, text=message[0], blocks=message[1]
            )
            return
        except SlackApiError as exc:
            log.info("ephemeral failure notice failed (%s); sending a DM", error_of(exc))
        try:
            self._dm(origin.user_id, message)
        except SlackApiError as exc:
            log.error("could not tell %s that declaring failed: %s", origin.user_id, error_of(exc))

    def report_done(self, record: DeclarationRecord) -> None:
        self._update_modal(
            record, status_view("Declared", messages.done_text(record), url=record.incident_url)
        )

    def _update_modal(self, record: DeclarationRecord, view: dict[str, Any]) -> None:
        if not record.modal_view_id:
            return
        try:
            self.client.views_update(view_id=record.modal_view_id, view=view)
        except SlackApiError as exc:
            # The person may have closed the modal; the messages carry the same news.
            log.debug("views.update after declaring failed: %s", error_of(exc))
