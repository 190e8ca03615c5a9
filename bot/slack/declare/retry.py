"""The Retry button on a failure notice: resume the stored declaration, never a new one."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond

from bot.domain.declare.record import DeclarationRecord
from bot.logs import declaration_id
from bot.slack.access.policy import ACCESS_WAIT
from bot.slack.common.context import Services, after_ack
from bot.slack.common.mrkdwn import safe
from bot.slack.common.payload import first_action, string, user_id
from bot.slack.declare import messages

log = logging.getLogger(__name__)

STORE_DOWN = (
    ":warning: declare-bot can't read what it stored right now, so nothing was retried. "
    "Try again in a moment."
)


def retry_declaration(ack: Ack, body: dict[str, Any], respond: Respond, services: Services) -> None:
    ack()
    after_ack(
        services,
        lambda: _retry(body, respond, services),
        lambda text: answer(
            respond, body, text=text, response_type="ephemeral", replace_original=False
        ),
    )


def _retry(body: dict[str, Any], respond: Respond, services: Services) -> None:
    """After the ack, off the listener's thread: the store and Slack may be slow."""
    key = string(first_action(body), "value")
    try:
        record = services.store.get(key) if key else None
    except Exception:  # the store is down: the person hears it
        log.exception("reading the declaration for Retry failed")
        answer(
            respond,
            body,
            text=STORE_DOWN,
            response_type="ephemeral",
            replace_original=False,
        )
        return
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
    refusal = _refusal(services, user_id(body), record)
    if refusal:
        answer(respond, body, text=refusal, response_type="ephemeral", replace_original=False)
        return
    log.info("retry requested")
    answer(
        respond,
        body,
        text=f"Retrying “{safe(record.declaration.title, 300)}”…",
        response_type="ephemeral",
        replace_original=True,
    )
    services.dispatch(key, services.runner.retry)


def _refusal(services: Services, actor: str, record: DeclarationRecord) -> str | None:
    """A Retry belongs to the declarer, who must still be allowed to declare there."""
    declarer = record.declaration.origin.user_id
    if actor != declarer:
        log.warning("retry of %s's declaration pressed by %s: refused", declarer, actor)
        return messages.refusal(
            f"Only <@{declarer}>, who declared this, can retry it. "
            "To declare it yourself, run /declare."
        )
    origin = record.declaration.origin
    refusal = services.access.may_declare(
        actor, origin.channel_id, wait=ACCESS_WAIT, team_id=origin.team_id
    ).refusal
    if refusal:
        log.info("retry refused by the allowlist")
        return messages.refusal(refusal)
    return None


def answer(respond: Respond, body: dict[str, Any], **message: Any) -> None:
    """Reply through the response_url when there is a usable one; the work needs no reply."""
    if not string(body, "response_url").startswith(("https://", "http://")):
        log.info("no usable response_url; not answering")
        return
    try:
        respond(**message)
    except Exception as exc:  # noqa: BLE001 - the reply is a courtesy
        log.warning("answering through the response_url failed: %s", type(exc).__name__)
