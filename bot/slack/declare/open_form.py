"""Open the declare form (or a notice) while the trigger_id is fresh, then get ready for submit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.domain.incident.declaration import Origin, declaration_key
from bot.logs import declaration_id
from bot.slack.common.context import Services, after_ack
from bot.slack.declare import messages
from bot.slack.declare.form.blocks import status_view
from bot.slack.errors import error_of, in_words

log = logging.getLogger(__name__)


DECLARER_WAIT = 30.0
"""Seconds the check after the form opened waits for Slack (it holds no listener thread)."""

Tell = Callable[[str], None]
"""Answers the person ephemerally (a response_url); used when no form can show it."""

AGAIN = {"/declare": "Run /declare again", "the message shortcut": "Use *Declare incident* again"}


def open_failed(source: str, error: str) -> str:
    """Why no form opened and what to do, as mrkdwn."""
    hint = in_words(error)
    again = AGAIN.get(source, "Try again")
    return (
        f":warning: The declare form couldn't open: Slack said `{error}`"
        f"{f' ({hint})' if hint else ''}. Nothing was declared. {again}; if it keeps "
        "failing, ask an admin to check declare-bot's logs."
    )


def open_form(
    services: Services,
    client: WebClient,
    origin: Origin,
    view: dict[str, Any],
    source: str,
    tell: Tell | None = None,
) -> str | None:
    """views.open (see `open_view`); returns the view id."""
    opened = open_view(services, client, origin, view, source, tell)
    return str(opened["id"]) if opened else None


def open_view(
    services: Services,
    client: WebClient,
    origin: Origin,
    view: dict[str, Any],
    source: str,
    tell: Tell | None = None,
) -> dict[str, Any] | None:
    """views.open; then prefetch the commander and tag the logs. Returns the opened view.

    The lookup starts only after views.open: started earlier it competes with that call
    for the 3 s trigger, and the person needs far longer than one round trip to fill in
    the form. A failure can't be retried (the trigger can't be used twice), so it is
    logged and told to the person through `tell`.
    """
    try:
        opened = client.views_open(trigger_id=origin.trigger_id, view=view).get("view")
    except Exception as exc:  # noqa: BLE001 - any failure: say so, never leave silence
        error = error_of(exc)
        log.error("views.open for %s failed: %s", source, error)
        if tell is not None:
            _tell(tell, open_failed(source, error))
        return None
    view_id = opened.get("id") if isinstance(opened, dict) else None
    if not isinstance(view_id, str) or not view_id:
        return None
    services.resolver.prefetch(origin.user_id)
    # The submission derives the same key, so one id runs from here to the thread reply.
    declaration_id.set(declaration_key(origin.team_id, origin.user_id, view_id, origin.trigger_id))
    log.info("declaration started: %s by %s in %s", source, origin.user_id, origin.channel_id)
    return opened


def _tell(tell: Tell, text: str) -> None:
    try:
        tell(text)
    except Exception as exc:  # noqa: BLE001 - the answer is best effort
        log.warning("could not tell the person: %s", type(exc).__name__)


def check_declarer_after_open(
    services: Services,
    client: WebClient,
    origin: Origin,
    view_id: str | None,
    tell: Tell | None = None,
) -> None:
    """Who may declare, checked after the ack and views.open, off the listener's thread (a
    lookup may be rate-limited and take seconds): a refusal replaces the form, or is told
    if the form is gone."""
    after_ack(services, lambda: _check_declarer(services, client, origin, view_id, tell), None)


def _check_declarer(
    services: Services,
    client: WebClient,
    origin: Origin,
    view_id: str | None,
    tell: Tell | None,
) -> None:
    refusal = services.access.may_declare(
        origin.user_id, origin.channel_id, wait=DECLARER_WAIT, team_id=origin.team_id
    ).refusal
    if not refusal:
        return
    log.info("%s may not declare here; replacing the form", origin.user_id)
    text = messages.refusal(refusal)
    if view_id:
        try:
            client.views_update(view_id=view_id, view=status_view("Can't declare", text))
            return
        except Exception as exc:  # noqa: BLE001 - the form may be gone: tell instead
            log.info("views.update with the refusal failed: %s", error_of(exc))
    if tell is not None:
        _tell(tell, text)
