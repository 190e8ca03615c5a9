"""/declare [title]: help, a refusal, or the form, opened while the trigger_id is fresh.

Nothing before the ack waits on the network: the channel allowlist is a set, and the
user-group answer is used before the ack only when cached. Otherwise the form opens at
once and the group check runs after it (a rate-limited lookup can take seconds); a
refusal then replaces the form.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.domain.incident.declaration import Origin
from bot.slack.common.context import Services, org_config_now
from bot.slack.common.payload import string
from bot.slack.declare import messages
from bot.slack.declare.form.prefill import prefill_for
from bot.slack.declare.form.view import declare_form
from bot.slack.declare.open_form import Tell, check_declarer_after_open, open_form

HELP_WORDS = frozenset({"help", "-h", "--help", "?"})
INCOMPLETE = "This /declare request was incomplete, so no form could open. Please try again."


def open_declare_modal(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    """Ack, then open the form at once, while the trigger_id is fresh."""
    text = " ".join(string(body, "text").split())
    user_id, channel_id = string(body, "user_id"), string(body, "channel_id")
    trigger_id = string(body, "trigger_id")
    if text.lower() in HELP_WORDS:
        ack(text=messages.HELP_TEXT)
        return
    if not (user_id and channel_id and trigger_id):
        ack(text=INCOMPLETE)
        return
    team_id = string(body, "team_id")
    known, refusal = services.access.cached_declare_refusal(user_id, channel_id, team_id)
    if refusal:
        ack(text=messages.refusal(refusal))
        return
    ack()
    origin = Origin(
        team_id=string(body, "team_id"),
        channel_id=channel_id,
        channel_name=string(body, "channel_name"),
        user_id=user_id,
        user_name=string(body, "user_name"),
        trigger_id=trigger_id,
    )
    prefill = prefill_for(services.settings, user_id, title=text)
    view = declare_form(org_config_now(services), prefill, origin)
    tell = ephemeral(respond, body)
    view_id = open_form(services, client, origin, view, "/declare", tell)
    if view_id and not known:
        check_declarer_after_open(services, client, origin, view_id, tell)


def ephemeral(respond: Respond, body: dict[str, Any]) -> Tell | None:
    """An ephemeral answer through the request's response_url, when it has one."""
    if not string(body, "response_url").startswith(("https://", "http://")):
        return None

    def tell(text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    return tell
