"""Open the declare form (or a notice) while the trigger_id is fresh, then get ready for submit."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.declaration import Origin, declaration_key
from bot.logs import declaration_id
from bot.slack.listeners.context import Collaborators

log = logging.getLogger(__name__)


def open_form(
    services: Collaborators, client: WebClient, origin: Origin, view: dict[str, Any], source: str
) -> str | None:
    """views.open (see `open_view`); returns the view id."""
    opened = open_view(services, client, origin, view, source)
    return str(opened["id"]) if opened else None


def open_view(
    services: Collaborators, client: WebClient, origin: Origin, view: dict[str, Any], source: str
) -> dict[str, Any] | None:
    """views.open; then prefetch the commander and tag the logs. Returns the opened view.

    The lookup starts only after views.open: started earlier it competes with that call
    for the 3 s trigger, and the person needs far longer than one round trip to fill in
    the form. A failure is logged: the trigger can't be used twice.
    """
    try:
        opened = client.views_open(trigger_id=origin.trigger_id, view=view).get("view")
    except SlackApiError as exc:
        log.error("views.open for %s failed: %s", source, exc.response.get("error"))
        return None
    view_id = opened.get("id") if isinstance(opened, dict) else None
    if not isinstance(view_id, str) or not view_id:
        return None
    services.resolver.prefetch(origin.user_id)
    # The submission derives the same key, so one id runs from here to the thread reply.
    declaration_id.set(declaration_key(origin.team_id, origin.user_id, view_id, origin.trigger_id))
    log.info("declaration started: %s by %s in %s", source, origin.user_id, origin.channel_id)
    return opened
