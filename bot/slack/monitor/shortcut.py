"""The "Declare incident" message shortcut: declare from any message.

The form opens prefilled from the message (title from its first line, "What's
happening" quoting it with its permalink); the announcement goes in the message's
thread, and Datadog links in it become timeline context. A message that already has
an incident gets a notice with its link instead, and a button to declare anyway. A
Datadog monitor alert opens the same way, then fills from its monitor (declare.py);
only an app's message is read as an alert, so a monitor link a person pasted is not read
with the bot's keys (unless DECLARE_MONITOR_FROM_ANY_MESSAGE).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident.declaration import Origin, source_key
from bot.domain.monitor.alert import reads_monitor
from bot.slack.common.context import Services, org_config_now
from bot.slack.common.payload import obj, string
from bot.slack.declare import messages
from bot.slack.declare.command import ephemeral
from bot.slack.declare.form.metadata import Metadata, encode
from bot.slack.declare.form.prefill import prefill_for
from bot.slack.declare.form.source_message import duplicate_view, read_source
from bot.slack.declare.form.view import declare_form
from bot.slack.declare.open_form import check_declarer_after_open, open_form
from bot.slack.errors import error_of
from bot.slack.monitor.alert import read_alert
from bot.slack.monitor.declare import declare_from_alert
from bot.slack.monitor.form import not_an_alert_notice

log = logging.getLogger(__name__)

SOURCE = "the message shortcut"


def permalink_of(client: WebClient, team_domain: str, channel_id: str, ts: str) -> str:
    """Slack's permalink; if Slack won't say (a channel the bot can't see), the usual form."""
    try:
        return str(client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.info("chat.getPermalink failed (%s); building the link", error_of(exc))
    host = f"{team_domain}.slack.com" if team_domain else "slack.com"
    return f"https://{host}/archives/{channel_id}/p{ts.replace('.', '')}"


def declare_from_message(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    context: BoltContext,
) -> None:
    """Ack, then open the form (or the duplicate notice) while the trigger_id is fresh."""
    ack()
    user, channel, team = obj(body, "user"), obj(body, "channel"), obj(body, "team")
    message = obj(body, "message")
    user_id, channel_id = string(user, "id"), string(channel, "id")
    trigger_id = string(body, "trigger_id")
    message_ts = string(body, "message_ts") or string(message, "ts")
    if not (user_id and channel_id and trigger_id and message_ts):
        log.warning("incomplete message shortcut payload; no form opened")
        return
    known, refusal = services.access.cached_declare_refusal(user_id, channel_id, string(team, "id"))
    if refusal:
        if body.get("response_url"):
            respond(text=messages.refusal(refusal), response_type="ephemeral")
        log.info("message shortcut refused for %s in %s", user_id, channel_id)
        return
    tell = ephemeral(respond, body)
    permalink = permalink_of(client, string(team, "domain"), channel_id, message_ts)
    source = read_source(message, permalink)
    origin = Origin(
        team_id=string(team, "id"),
        channel_id=channel_id,
        channel_name=string(channel, "name"),
        user_id=user_id,
        user_name=string(user, "username") or string(user, "name"),
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
        notice = duplicate_view(existing, encode(metadata))
        view_id = open_form(services, client, origin, notice, SOURCE, tell)
        if view_id and not known:
            check_declarer_after_open(services, client, origin, view_id, tell)
        return
    prefill = prefill_for(services.settings, user_id, title=source.title, summary=source.summary)
    alert = read_alert(message, context.bot_id)
    if reads_monitor(alert, services.settings.monitor_from_any_message):
        config = org_config_now(services)
        view_id = declare_from_alert(
            services, client, origin, alert, prefill, config, source.links, tell
        )
        if view_id and not known:
            check_declarer_after_open(services, client, origin, view_id, tell)
        return
    view = declare_form(
        org_config_now(services),
        prefill,
        origin,
        context_links=source.links,
        notices=not_an_alert_notice(alert),
    )
    view_id = open_form(services, client, origin, view, SOURCE, tell)
    if view_id and not known:
        check_declarer_after_open(services, client, origin, view_id, tell)
