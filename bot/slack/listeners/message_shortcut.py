"""The "Declare incident" message shortcut: declare from any message.

The form opens prefilled from the message (title from its first line, "What's
happening" quoting it with its permalink); the announcement goes in the message's
thread, and Datadog links in it become timeline context. A message that already has
an incident gets a notice with its link instead, and a button to declare anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.declaration import Origin, source_key
from bot.logs import declaration_id
from bot.services import Services
from bot.slack import messages
from bot.slack.form.metadata import Metadata, encode
from bot.slack.form.source_message import duplicate_view, read_source
from bot.slack.form.view import declare_view, prefill_for
from bot.slack.listeners.open_form import open_form

log = logging.getLogger(__name__)

SOURCE = "the message shortcut"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def permalink_of(client: WebClient, team_domain: str, channel_id: str, ts: str) -> str:
    """Slack's permalink; if Slack won't say (a channel the bot can't see), the usual form."""
    try:
        return str(client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.info("chat.getPermalink failed (%s); building the link", exc.response.get("error"))
    host = f"{team_domain}.slack.com" if team_domain else "slack.com"
    return f"https://{host}/archives/{channel_id}/p{ts.replace('.', '')}"


def declare_from_message(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    """Ack, then open the form (or the duplicate notice) while the trigger_id is fresh."""
    ack()
    declaration_id.set("-")  # Bolt reuses threads: drop the id of an earlier declaration
    user, channel, team = (
        _dict(body.get("user")),
        _dict(body.get("channel")),
        _dict(body.get("team")),
    )
    message = _dict(body.get("message"))
    user_id, channel_id = _str(user.get("id")), _str(channel.get("id"))
    trigger_id = _str(body.get("trigger_id"))
    message_ts = _str(body.get("message_ts")) or _str(message.get("ts"))
    if not (user_id and channel_id and trigger_id and message_ts):
        log.warning("incomplete message shortcut payload; no form opened")
        return
    refusal = services.allowlist.refusal(user_id, channel_id)
    if refusal:
        if body.get("response_url"):
            respond(text=messages.refusal(refusal), response_type="ephemeral")
        log.info("message shortcut refused for %s in %s", user_id, channel_id)
        return
    permalink = permalink_of(client, _str(team.get("domain")), channel_id, message_ts)
    source = read_source(message, permalink)
    origin = Origin(
        team_id=_str(team.get("id")),
        channel_id=channel_id,
        channel_name=_str(channel.get("name")),
        user_id=user_id,
        user_name=_str(user.get("username")) or _str(user.get("name")),
        trigger_id=trigger_id,
        source_ts=message_ts,
        source_permalink=permalink,
    )
    key = source_key(origin)
    existing = services.store.find_by_source(key) if key else None
    if existing is not None:
        log.info("message already has declaration %s; showing the notice", existing.key)
        metadata = Metadata(
            origin=origin, context_links=source.links, title=source.title, summary=source.summary
        )
        open_form(services, client, origin, duplicate_view(existing, encode(metadata)), SOURCE)
        return
    prefill = prefill_for(services, user_id, title=source.title, summary=source.summary)
    view = declare_view(services, prefill, origin, context_links=source.links)
    open_form(services, client, origin, view, SOURCE)
