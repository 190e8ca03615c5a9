"""/declare [title]: help, a refusal, or the form, opened while the trigger_id is fresh."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.domain.declaration import Origin
from bot.slack import messages
from bot.slack.form.prefill import prefill_for
from bot.slack.form.view import declare_form
from bot.slack.listeners.context import Collaborators, org_config_now
from bot.slack.listeners.open_form import open_form
from bot.slack.payload import string

HELP_WORDS = frozenset({"help", "-h", "--help", "?"})
INCOMPLETE = "This /declare request was incomplete, so no form could open. Please try again."


def open_declare_modal(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Collaborators
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
    refusal = services.allowlist.refusal(user_id, channel_id)
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
    open_form(services, client, origin, view, "/declare")
