"""The incident channel over Slack: the domain's `IncidentChannels` port.

Slack's refusals to make a channel become a `ChannelRefused` with the fix (told in the
thread reply, the declaration goes on in the origin channel); transient errors become
a retryable `StepFailed`. Invites go in one call with `force=true`, so one person Slack
refuses (a guest, a deactivated account) never keeps the others out; `already_in_channel`
is success (a resumed run invites again).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.channel.plan import ChannelRefused
from bot.domain.declare.record import DeclarationRecord
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.common.mrkdwn import FALLBACK_MAX, safe
from bot.slack.errors import error_of, in_words

log = logging.getLogger(__name__)

LIST_PAGE = 1000
INVITE_FINE = frozenset({"already_in_channel", "cant_invite_self"})
SCOPE_FIX = (
    "add the channels:manage (public) and groups:write (private) scopes under Slack app > "
    "OAuth & Permissions, reinstall the app, and run `declare-bot check`"
)


def refusal(error: str, name: str, needed: str = "") -> ChannelRefused | None:
    """What to tell for a refusal that trying again won't change; None if it might."""
    if error == "name_taken":
        return ChannelRefused(f"the name #{name} is taken.", "retry", name_taken=True)
    if error.startswith("restricted_action"):
        return ChannelRefused(
            "your workspace lets only some people create channels (restricted_action).",
            "ask a Slack admin to allow apps to create channels "
            "(Settings & permissions > Permissions > Channel Management), "
            "or set DECLARE_INCIDENT_CHANNEL=never",
        )
    if error == "missing_scope":
        return ChannelRefused(f"the bot lacks the {needed or 'needed'} scope.", SCOPE_FIX)
    if error.startswith("invalid_name"):
        return ChannelRefused(
            f"Slack refused the channel name #{name} ({error}).",
            "fix DECLARE_CHANNEL_NAME: lowercase letters, digits, '-' and '_', with {public_id}",
        )
    return None


class SlackIncidentChannels:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._bot_user: str | None = None

    def _me(self) -> str:
        if self._bot_user is None:
            self._bot_user = str(self.client.auth_test()["user_id"])
        return self._bot_user

    def is_private_origin(self, channel_id: str) -> bool:
        """DMs and private channels; one the bot can't see is treated as private."""
        if channel_id.startswith("D"):
            return True
        try:
            info = self.client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            log.info("conversations.info on the origin failed (%s): private", error_of(exc))
            return True
        channel: dict[str, Any] = info.get("channel") or {}
        return bool(channel.get("is_private") or channel.get("is_im") or channel.get("is_mpim"))

    def find_own(self, name: str, private: bool) -> str | None:
        types = "private_channel" if private else "public_channel"
        cursor: str | None = None
        try:
            me = self._me()
            while True:
                page = self.client.conversations_list(types=types, limit=LIST_PAGE, cursor=cursor)
                for channel in page.get("channels") or []:
                    if channel.get("name") == name and channel.get("creator") == me:
                        return str(channel["id"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return None
        except SlackApiError as exc:
            raise StepFailed(
                f"Looking for the incident channel failed ({error_of(exc)}).", retryable=True
            ) from exc

    def create(self, name: str, private: bool) -> str:
        try:
            made = self.client.conversations_create(name=name, is_private=private)
        except SlackApiError as exc:
            refused = refusal(error_of(exc), name, str(exc.response.get("needed") or ""))
            if refused is not None:
                raise refused from exc
            raise StepFailed(
                f"Slack did not make the incident channel ({error_of(exc)}).",
                retryable=True,
                ambiguous=True,
            ) from exc
        except OSError as exc:
            raise StepFailed(
                f"Slack did not answer creating the channel ({type(exc).__name__}).",
                retryable=True,
                ambiguous=True,
            ) from exc
        return str(made["channel"]["id"])

    def invite(self, channel_id: str, user_ids: tuple[str, ...]) -> tuple[str, ...]:
        if not user_ids:
            return ()
        try:
            self.client.conversations_invite(channel=channel_id, users=list(user_ids), force=True)
            return ()
        except SlackApiError as exc:
            errors = exc.response.get("errors") or []
            if not errors and len(user_ids) == 1:
                errors = [{"user": user_ids[0], "error": error_of(exc)}]
            if not errors:
                raise
        notes = []
        for item in errors:
            error = str(item.get("error", ""))
            if error not in INVITE_FINE:
                why = in_words(error) or error
                notes.append(f"Could not invite <@{item.get('user')}> to the channel: {why}.")
        return tuple(notes)

    def set_topic(self, channel_id: str, topic: str) -> None:
        self.client.conversations_setTopic(channel=channel_id, topic=topic)

    def bookmark(self, channel_id: str, title: str, url: str) -> bool:
        try:
            self.client.bookmarks_add(channel_id=channel_id, title=title, type="link", link=url)
        except SlackApiError as exc:
            if error_of(exc) == "missing_scope":
                return False  # an optional nicety: bookmarks:write not granted
            raise
        return True

    def archive(self, channel_id: str) -> None:
        try:
            self.client.conversations_archive(channel=channel_id)
        except SlackApiError as exc:
            if error_of(exc) != "already_archived":
                raise

    def unarchive(self, channel_id: str) -> str | None:
        """Bring the channel back; None when it is live, else why not and what to do."""
        try:
            self.client.conversations_unarchive(channel=channel_id)
        except SlackApiError as exc:
            error = error_of(exc)
            if error == "not_archived":
                return None
            if error == "missing_scope":
                needed = exc.response.get("needed") or "needed"
                return f"the bot lacks the {needed} scope: {SCOPE_FIX}"
            if error == "not_in_channel":  # Slack: bot tokens can't unarchive (yet)
                return (
                    "Slack doesn't let apps unarchive a channel. Anyone in the workspace can "
                    "unarchive it from the channel's settings; the card and its notes stay here"
                )
            return (
                f"Slack refused to unarchive it ({error}); unarchive it from the channel's settings"
            )
        return None

    def post_pointer(self, record: DeclarationRecord) -> tuple[str, str]:
        """The pointer where it was declared: the source message's thread, or the channel."""
        plan = record.channel
        assert plan is not None and plan.id is not None
        origin = record.declaration.origin
        text, blocks = pointer_message(record)
        kwargs: dict[str, Any] = {"thread_ts": origin.source_ts} if origin.source_ts else {}
        post: dict[str, Any] = {"text": text, "blocks": blocks, "unfurl_links": False}
        channel = origin.channel_id
        try:
            try:
                answer = self.client.chat_postMessage(channel=channel, **post, **kwargs)
            except SlackApiError as exc:
                if error_of(exc) != "not_in_channel":
                    raise
                self.client.conversations_join(channel=origin.channel_id)
                answer = self.client.chat_postMessage(channel=channel, **post, **kwargs)
        except SlackApiError as exc:
            log.info("pointer refused in the origin (%s); sending it by DM", error_of(exc))
            channel = str(self.client.conversations_open(users=origin.user_id)["channel"]["id"])
            answer = self.client.chat_postMessage(channel=channel, **post)
        return channel, str(answer["ts"])


def pointer_message(record: DeclarationRecord, state: str = "") -> tuple[str, list[dict[str, Any]]]:
    """`IR-12 declared: <title> → #inc-12-...`, with the link; `state` once it changes."""
    plan = record.channel
    assert plan is not None and plan.id is not None
    label = record.incident_label
    link = f"<{record.incident_url}|{label}>" if record.incident_url else label
    title = safe(record.declaration.title, 300)
    status = f" · {state}" if state else ""
    body = f":rotating_light: {link} declared: *{title}* → <#{plan.id}>{status}"
    text = safe(
        f"{label} declared: {record.declaration.title} → #{plan.name}{status}", FALLBACK_MAX
    )
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": body, "verbatim": True}}]
