"""The card's Status page button: a Publish modal, and its submission.

The modal opens at once (the trigger lasts 3 s) with the page as last read, or "Reading the
status page…" and then the section once Datadog answered (views.update, off the listener's
thread); a page Datadog refuses (403) or lacks (404) is said in the modal. The submission
reads the section (bot/slack/cadence/status_page_section.py), asks the access policy again,
stores the publish as a chore before the ack and runs it after: exactly once per
submission (bot/domain/cadence/publish.py).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.access.rules import Act
from bot.domain.cadence.status_page import StatusPage
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.access.policy import ACCESS_WAIT
from bot.slack.cadence.status_page_section import (
    MESSAGE,
    publish,
    read_section,
    section_blocks,
)
from bot.slack.common import payload
from bot.slack.common.context import Services, after_ack
from bot.slack.common.ids import PUBLISH_CALLBACK
from bot.slack.common.mrkdwn import VIEW_TITLE_MAX, safe
from bot.slack.declare.form.blocks import plain, status_view
from bot.slack.declare.form.state import state_values
from bot.slack.errors import error_of
from bot.slack.lifecycle.card_actions import STORE_DOWN, Press, card_press, open_view

log = logging.getLogger(__name__)

NOT_SET_UP = (
    "No status page is set up for declare-bot (DECLARE_STATUS_PAGE), so there is nowhere to "
    "publish. Ask the bot's admin."
)
STALE = (
    "This form no longer matches an incident the bot knows. Close it and press the button again."
)
PUBLISHING = "Publishing on the status page… The card's thread says when it is there."


def publish_view(card: IncidentCard, page: StatusPage | None, reason: str = "") -> dict[str, Any]:
    """The modal: the section once the page is read, else why not (or that it is being read)."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": PUBLISH_CALLBACK,
        "title": plain(f"Publish {card.shown.label}", VIEW_TITLE_MAX),
        "close": plain("Cancel", VIEW_TITLE_MAX),
        "private_metadata": card.key,
    }
    if page is None:
        text = (
            f":x: {safe(reason, 2900)}"
            if reason
            else ":hourglass_flowing_sand: Reading the status page…"
        )
        view["blocks"] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        return view
    view["submit"] = plain("Publish", VIEW_TITLE_MAX)
    view["blocks"] = section_blocks(page, card, optional=False)[1:]  # no divider on top
    return view


@card_press(Act.PUBLISH, opens_modal=True)
def open_publish(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """The Publish modal for the card the button is on."""
    pages = services.status_pages
    if pages is None:
        open_view(client, respond, press.body, status_view("Status page", NOT_SET_UP))
        return
    page = pages.peek()
    opened = open_view(client, respond, press.body, publish_view(press.card, page))
    if page is not None or not payload.string(opened, "id"):
        return
    after_ack(services, lambda: _fill(client, services, press.card, opened), None)


def _fill(
    client: WebClient, services: Services, card: IncidentCard, opened: dict[str, Any]
) -> None:
    """Read the page, then show the section, or Datadog's reason (off the listener's thread)."""
    assert services.status_pages is not None
    try:
        view = publish_view(card, services.status_pages.read())
    except StepFailed as exc:
        log.warning("reading the status page failed: %s", exc.reason)
        view = publish_view(card, None, exc.reason)
    try:
        client.views_update(
            view_id=payload.string(opened, "id"), hash=payload.string(opened, "hash"), view=view
        )
    except SlackApiError as exc:
        log.info("views.update of the publish modal failed: %s", error_of(exc))


def submit_publish(ack: Ack, body: dict[str, Any], services: Services) -> None:
    """Read, check, store, ack, then publish; bad input is answered under its field."""
    view = payload.view(body)
    user_id = payload.user_id(body)
    team_id = payload.string(payload.obj(body, "team"), "id")
    pages = services.status_pages
    page = pages.last() if pages else None  # as the modal showed it: no read on the ack path
    try:
        card = services.cards.get_card(payload.string(view, "private_metadata"))
    except Exception:  # the store is down: keep the modal and what was typed
        log.exception("reading the card for a publish failed")
        ack(response_action="errors", errors={MESSAGE: STORE_DOWN})
        return
    if card is None or pages is None:
        ack(response_action="errors", errors={MESSAGE: STALE if pages else NOT_SET_UP})
        return
    if page is None:
        try:
            page = pages.read()
        except StepFailed as exc:
            ack(response_action="errors", errors={MESSAGE: exc.reason[:150]})
            return
    refusal = services.access.may(Act.PUBLISH, user_id, card, wait=ACCESS_WAIT, team_id=team_id)
    if refusal.refusal:
        ack(response_action="update", view=status_view("Can't publish", refusal.refusal))
        return
    notice, errors = read_section(state_values(view), page, card, optional=False)
    if errors or notice is None:
        ack(response_action="errors", errors=errors)
        return
    parts = (team_id, payload.string(view, "id"), payload.string(view, "hash"))
    try:
        key = publish(services.chores, card, user_id, notice, page, *parts)
    except Exception:  # nothing is sent unless it is stored first
        log.exception("storing the publish failed")
        ack(response_action="errors", errors={MESSAGE: STORE_DOWN})
        return
    ack(response_action="update", view=status_view("Publishing", PUBLISHING))
    if key is not None:
        log.info("publish on the status page for %s accepted", card.incident_id)
        services.dispatch(key, services.chores.run)
