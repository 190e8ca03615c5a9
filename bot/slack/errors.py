"""What the bot knows about Slack's API errors, in one table.

`error_of(exc)` names an error: Slack's `error` code, or the exception's type (a lost
connection, a timeout). `KINDS` sorts the errors the bot reacts to; an error not in it
(`internal_error`, `service_unavailable`, one we have never seen) is transient, and the
caller tries again. `WHY` is what to tell a person about an error, in a few words.

Every kind but MAY_HAVE_POSTED is a refusal that trying again won't change; each caller
names the kinds that end *its* call (the rest it tries again):

- posting the announcement (announcer.py): CHANNEL, WORKSPACE and THREAD refusals send it
  by DM instead (`CANT_POST_THERE`); a placeholder it can't edit (MESSAGE, `CANT_EDIT`)
  is posted anew;
- editing the card and posting in its thread (lifecycle/publisher.py, sync/notes.py):
  MESSAGE, CHANNEL and CONTENT refusals fail for good (`CARD_FINAL`).

So the card's steps still try WORKSPACE and THREAD refusals again, and the announcement
CONTENT ones, as they always did; making them final would change what people see.
"""

from __future__ import annotations

from enum import StrEnum

from slack_sdk.errors import SlackApiError


class Kind(StrEnum):
    CHANNEL = "channel"
    """The bot can't reach the channel: gone, archived, or not a member (after joining)."""
    WORKSPACE = "workspace"
    """The workspace's or the app's rules: restricted channels, scopes, EKM, channel type."""
    THREAD = "thread"
    """The thread to reply in is gone (the source message was deleted)."""
    MESSAGE = "message"
    """The message to edit is gone, or too old to edit."""
    CONTENT = "content"
    """The message itself is refused: too long, or blocks Slack won't take."""
    MAY_HAVE_POSTED = "may_have_posted"
    """Slack may have stored the message before failing. Posting again risks a second
    message; not posting risks none in the channel. The bot posts again (README,
    reliability)."""


KINDS: dict[str, Kind] = {
    "channel_not_found": Kind.CHANNEL,
    "is_archived": Kind.CHANNEL,
    "not_in_channel": Kind.CHANNEL,
    "restricted_action": Kind.WORKSPACE,
    "restricted_action_read_only_channel": Kind.WORKSPACE,
    "restricted_action_thread_only_channel": Kind.WORKSPACE,
    "restricted_action_non_threadable_channel": Kind.WORKSPACE,
    "team_access_not_granted": Kind.WORKSPACE,
    "ekm_access_denied": Kind.WORKSPACE,
    "missing_scope": Kind.WORKSPACE,
    "method_not_supported_for_channel_type": Kind.WORKSPACE,  # conversations.join
    "thread_not_found": Kind.THREAD,
    "cannot_reply_to_message": Kind.THREAD,
    "message_not_found": Kind.MESSAGE,
    "cant_update_message": Kind.MESSAGE,
    "edit_window_closed": Kind.MESSAGE,
    "msg_too_long": Kind.CONTENT,
    "invalid_blocks": Kind.CONTENT,
    "fatal_error": Kind.MAY_HAVE_POSTED,
    "internal_error": Kind.MAY_HAVE_POSTED,
}


def of_kind(*kinds: Kind) -> frozenset[str]:
    """The errors of these kinds."""
    return frozenset(error for error, kind in KINDS.items() if kind in kinds)


CANT_POST_THERE = of_kind(Kind.CHANNEL, Kind.WORKSPACE, Kind.THREAD)
"""Channel refusals that posting again won't change: the announcement goes by DM instead."""
CANT_EDIT = of_kind(Kind.MESSAGE)
"""The placeholder can't be edited (deleted, or too old to edit): the card is posted anew."""
MAY_HAVE_POSTED = of_kind(Kind.MAY_HAVE_POSTED)
CARD_FINAL = of_kind(Kind.MESSAGE, Kind.CHANNEL, Kind.CONTENT)
"""Refusals of the card's edit or its thread notes that won't change: the step fails."""

WHY = {
    # views.open (the declare form)
    "expired_trigger_id": "Slack allows 3 seconds to open a form and they had passed",
    "exchanged_trigger_id": "that request was already used to open a form",
    "ratelimited": "Slack is rate-limiting the bot",
    # conversations.invite (the incident channel)
    "user_is_restricted": "a guest account can't be invited by apps",
    "cant_invite": "Slack won't let the bot invite them (deactivated?)",
    "user_disabled": "their account is deactivated",
    "user_not_found": "Slack doesn't know them",
}
"""What an error means, in a few words for the person (`in_words`)."""


def in_words(error: str) -> str:
    """`WHY`'s words for `error`, else ""."""
    return WHY.get(error, "")


def error_of(exc: BaseException) -> str:
    """Slack's error code (`not_in_channel`), else the exception's type (`TimeoutError`)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error", "unknown_error"))
    return type(exc).__name__
