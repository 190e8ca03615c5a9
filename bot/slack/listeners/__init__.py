"""Bolt listeners: /declare, the modal's submission, and the buttons we post.

Every listener acks first (or acks with field errors) and leaves slow work to the
declaration worker, so Slack's 3-second limit holds even under load.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.declaration import Origin
from bot.logs import declaration_id
from bot.services import Services
from bot.slack import messages
from bot.slack.form import ids
from bot.slack.form.org_fields import CUSTOM_FIELD_ACTIONS
from bot.slack.form.view import declare_view, prefill_for
from bot.slack.listeners.form_actions import (
    change_incident_type,
    declare_anyway,
    suggest_field_options,
)
from bot.slack.listeners.message_shortcut import declare_from_message
from bot.slack.listeners.open_form import open_form
from bot.slack.listeners.submission import submit_declare_modal

log = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "-h", "--help", "?"})


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def open_declare_modal(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services
) -> None:
    """/declare [title]: ack, then open the modal at once, while the trigger_id is fresh."""
    declaration_id.set("-")  # Bolt reuses threads: drop the id of an earlier declaration
    text = " ".join(_str(body.get("text")).split())
    user_id, channel_id = _str(body.get("user_id")), _str(body.get("channel_id"))
    trigger_id = _str(body.get("trigger_id"))
    if text.lower() in HELP_WORDS:
        ack(text=messages.HELP_TEXT)
        return
    if not (user_id and channel_id and trigger_id):
        ack(text="This /declare request was incomplete, so no form could open. Please try again.")
        return
    refusal = services.allowlist.refusal(user_id, channel_id)
    if refusal:
        ack(text=messages.refusal(refusal))
        return
    ack()
    origin = Origin(
        team_id=_str(body.get("team_id")),
        channel_id=channel_id,
        channel_name=_str(body.get("channel_name")),
        user_id=user_id,
        user_name=_str(body.get("user_name")),
        trigger_id=trigger_id,
    )
    view = declare_view(services, prefill_for(services, user_id, title=text), origin)
    open_form(services, client, origin, view, "/declare")


def retry_declaration(ack: Ack, body: dict[str, Any], respond: Respond, services: Services) -> None:
    """The Retry button: resume the stored declaration, never a new one."""
    ack()
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else {}
    key = _str(first.get("value")) if isinstance(first, dict) else ""
    record = services.store.get(key) if key else None
    if record is None:
        answer(
            respond,
            body,
            text="That declaration is no longer stored. Run /declare again.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    declaration_id.set(key)
    log.info("retry requested")
    answer(
        respond,
        body,
        text=f"Retrying “{record.declaration.title}”…",
        response_type="ephemeral",
        replace_original=True,
    )
    services.dispatch(key, services.runner.retry)


def answer(respond: Respond, body: dict[str, Any], **message: Any) -> None:
    """Reply through the response_url when there is a usable one; the work needs no reply."""
    if not _str(body.get("response_url")).startswith(("https://", "http://")):
        log.info("no usable response_url; not answering")
        return
    try:
        respond(**message)
    except Exception as exc:  # noqa: BLE001 - the reply is a courtesy
        log.warning("answering through the response_url failed: %s", type(exc).__name__)


def ack_only(ack: Ack) -> None:
    """Link buttons still send an interaction; acknowledge it."""
    ack()


def handle_error(error: Exception, body: dict[str, Any], respond: Respond) -> None:
    """Last resort: log with a reference, tell the person something went wrong."""
    reference = uuid.uuid4().hex[:8]
    log.error("unhandled error (ref %s): %s", reference, error, exc_info=error)
    try:
        if body.get("response_url"):
            respond(
                text=f"Something went wrong in declare-bot (ref {reference}). Nothing you typed "
                "was sent to Datadog; please try again.",
                response_type="ephemeral",
            )
    except Exception:  # noqa: BLE001 - reporting must never raise
        log.warning("could not report error %s", reference)


def register_listeners(app: App, services: Services) -> None:
    """Wire listeners; `services` reaches each one through Bolt's context."""

    def inject(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002
        context["services"] = services
        next()

    app.use(inject)
    app.command(ids.COMMAND)(open_declare_modal)
    app.view(ids.MODAL_CALLBACK)(submit_declare_modal)
    app.action(ids.RETRY_ACTION)(retry_declaration)
    app.shortcut(ids.MESSAGE_SHORTCUT)(declare_from_message)
    app.action(ids.INCIDENT_TYPE_ACTION)(change_incident_type)
    app.action(ids.DECLARE_ANYWAY_ACTION)(declare_anyway)
    app.options(CUSTOM_FIELD_ACTIONS)(suggest_field_options)
    app.action(ids.OPEN_INCIDENT_ACTION)(ack_only)
    app.error(handle_error)
