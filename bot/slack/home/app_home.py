"""The app's Home tab: `app_home_opened` → `views.publish` of the incidents the person may
see (the one access policy's `visible`), theirs first; its Declare incident button opens
the declare form, as /declare does, announced in the person's DM with the app.

Events are acked by Bolt at once; the reads and the publish run on the interaction pool.
A Slack or store failure publishes a Home tab that says so, never a stale or empty lie.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident.declaration import Origin
from bot.slack.access.policy import TooSlow
from bot.slack.common import payload
from bot.slack.common.context import Services, after_ack, org_config_now
from bot.slack.common.mrkdwn import verbatim
from bot.slack.declare.form.prefill import prefill_for
from bot.slack.declare.form.view import declare_form
from bot.slack.declare.open_form import check_declarer_after_open, open_form
from bot.slack.errors import error_of
from bot.slack.home.view import home_view, rows_for

log = logging.getLogger(__name__)

HOME_WAIT = 10.0
"""Seconds the access policy may take to read the person and the channels' members."""
CANT_LIST = "declare-bot can't list incidents right now ({why}). Open the Home tab again soon."
NO_DM = "The Home tab has no conversation to announce in. Use /declare in a channel instead."


def show_home(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, services: Services
) -> None:
    """`app_home_opened` on the Home tab (not Messages): publish the person's incidents."""
    if payload.string(event, "tab") != "home":
        return
    user_id = payload.string(event, "user")
    team_id = payload.string(body, "team_id")
    dm_channel = payload.string(event, "channel")
    if not user_id:
        return
    after_ack(services, partial(publish_home, client, services, user_id, team_id, dm_channel), None)


def publish_home(
    client: WebClient, services: Services, user_id: str, team_id: str, dm_channel: str
) -> None:
    view = _home(services, user_id, team_id, dm_channel)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish of %s's Home tab failed: %s", user_id, error_of(exc))


def _home(services: Services, user_id: str, team_id: str, dm_channel: str) -> dict[str, Any]:
    try:
        cards = services.cards.open_cards()
    except Exception:  # the store is down: say so on the tab
        log.exception("the Home tab: the store could not be read")
        return _unavailable(services, dm_channel, "its store can't be read")
    try:
        person, seen = services.access.visible(user_id, cards, wait=HOME_WAIT, team_id=team_id)
    except TooSlow:
        return _unavailable(services, dm_channel, "Slack is slow to say who can see what")
    if person is None:
        return _unavailable(services, dm_channel, "Slack wouldn't say who you are")
    return home_view(rows_for(seen, user_id), services.list_signer, dm_channel=dm_channel)


def _unavailable(services: Services, dm_channel: str, why: str) -> dict[str, Any]:
    view = home_view([], services.list_signer, dm_channel=dm_channel)
    view["blocks"][2] = {"type": "section", "text": verbatim(CANT_LIST.format(why=why))}
    return view


def declare_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services
) -> None:
    """The Home tab's Declare incident: the declare form, as /declare opens it, announced in
    the person's DM with the app (the Home tab is no channel)."""
    ack()
    user = payload.obj(body, "user")
    user_id = payload.string(user, "id")
    team_id = payload.string(payload.obj(body, "team"), "id") or payload.string(user, "team_id")
    channel_id = payload.string(payload.view(body), "private_metadata")
    trigger_id = payload.string(body, "trigger_id")
    if not (user_id and channel_id and trigger_id):
        log.warning("Declare incident from the Home tab without its DM or trigger")
        _tell_dm(client, user_id, NO_DM)
        return
    known, refusal = services.access.cached_declare_refusal(user_id, channel_id, team_id)
    if refusal:
        _tell_dm(client, user_id, refusal)
        return
    origin = Origin(team_id=team_id, channel_id=channel_id, user_id=user_id, trigger_id=trigger_id)
    prefill = prefill_for(services.settings, user_id, title="")
    view = declare_form(org_config_now(services), prefill, origin)
    view_id = open_form(services, client, origin, view, "the Home tab", None)
    if view_id and not known:
        check_declarer_after_open(services, client, origin, view_id, None)


def _tell_dm(client: WebClient, user_id: str, text: str) -> None:
    """What the person must hear, in their DM with the app (the Home tab has no thread)."""
    if not user_id:
        return
    try:
        opened = client.conversations_open(users=user_id)
        client.chat_postMessage(channel=str(opened["channel"]["id"]), text=text)
    except SlackApiError as exc:
        log.warning("telling %s from the Home tab failed: %s", user_id, error_of(exc))
