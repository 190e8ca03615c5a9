"""Figure 10, responders: Add responder submit → the card updated and the note posted.

Both orders run against the same emulators in one run (every Slack and Datadog call costs
the injected latency), timed from the submission's ack, when the stored chore starts:

- after (the bot as it is, in its own process): the card's chat.update goes out beside
  the POST (a CardEdit, as updates do), then the thread note: 2 calls of latency.
- before (the naive order, driven here with the bot's own client and card builder, the
  same calls): POST, then GET the responders back, then chat.update, then the note,
  one after the other: 4 calls of latency.

Reported in calls of latency (elapsed / latency) and in ms; the ack itself (the person
found by email, the role checked) is the same for both and timed apart.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.common import (
    Emulators,
    Served,
    handled_at,
    medians_over_fresh_bots,
    new_calls,
    request_args,
    send_submission,
    wait_until,
)
from bench.lifecycle import declare_card
from bench.stats import latency_summary
from bot.datadog.client import DatadogClient
from bot.domain.incident.responders import Responder
from bot.emulators.personas import INCIDENTS, TEAM
from bot.emulators.slack.inbound import option_value, payload_body
from bot.slack.common import ids
from bot.slack.incident.card import card as card_blocks
from bot.slack.responders.notes import added_note

TIMEOUT = 60.0
ROLE = "Scribe"


def _press(emulators: Emulators, bot: Served, card: dict[str, Any], user: str) -> dict[str, Any]:
    """Add responder on the card; the modal the bot opened."""
    slack = emulators.slack
    with slack.lock:
        before = set(slack.views)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM},
        "api_app_id": "A0DECLARE",
        "token": "unused-verification-token",
        "trigger_id": slack.issue_trigger(),
        "team": {"id": TEAM, "domain": "emulator"},
        "container": {
            "type": "message",
            "message_ts": card["ts"],
            "channel_id": INCIDENTS,
            "is_ephemeral": False,
        },
        "channel": {"id": INCIDENTS, "name": "incidents"},
        "message": card,
        "response_url": slack.response_url(),
        "actions": [
            {
                "action_id": ids.ADD_RESPONDER_ACTION,
                "block_id": ids.STAFF_BLOCK,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    response = bot.caller.post(payload_body(payload))
    assert response.status_code == 200, response.text

    def opened() -> dict[str, Any] | None:
        with slack.lock:
            fresh = [v for k, v in slack.views.items() if k not in before]
        return next((v for v in fresh if v.get("callback_id") == ids.ADD_RESPONDER_CALLBACK), None)

    view: dict[str, Any] = wait_until(opened, TIMEOUT, "the Add responder modal")
    return view


def _after_once(
    emulators: Emulators, bot: Served, card: dict[str, Any], role_id: str
) -> tuple[float, float]:
    """(submit → ack, ack → card updated and note posted), seconds, through the bot."""
    slack = emulators.slack
    user = emulators.add_person()
    person = emulators.add_person()
    view = _press(emulators, bot, card, user)
    values = {
        ids.RESPONDER_PERSON: {
            ids.RESPONDER_PERSON: {"type": "users_select", "selected_user": person}
        },
        ids.RESPONDER_ROLE: {ids.RESPONDER_ROLE: option_value(role_id)},
    }
    since = len(slack.requests)
    sent, response = send_submission(bot, emulators, view, values, user)
    acked = time.monotonic()
    assert response.status_code == 200 and "errors" not in response.text, response.text

    def card_updated() -> Any:
        return next(
            (
                r
                for r in new_calls(slack, since, "/api/chat.update")
                if request_args(r).get("ts") == card["ts"]
            ),
            None,
        )

    def noted() -> Any:
        return next(
            (
                r
                for r in new_calls(slack, since, "/api/chat.postMessage")
                if request_args(r).get("thread_ts") == card["ts"]
            ),
            None,
        )

    update = wait_until(card_updated, TIMEOUT, "the card update")
    note = wait_until(noted, TIMEOUT, "the note")
    done = max(handled_at(slack, update), handled_at(slack, note))
    time.sleep(emulators.latency * 2)  # let the chore save `done` before the next sample
    return acked - sent, done - acked


def _before_once(
    emulators: Emulators,
    client: DatadogClient,
    card: dict[str, Any],
    incident_id: str,
    role_id: str,
) -> float:
    """The naive order from the ack: POST, GET the responders, chat.update, the note."""
    person = emulators.add_person()
    email = f"bench.{int(person.removeprefix('U0BENCH'))}@example.com"  # as add_person makes it
    datadog_id = next(u.id for u in emulators.datadog.users.values() if u.email == email)
    slack = httpx.Client(
        base_url=emulators.slack.url + "/api/",
        headers={"Authorization": f"Bearer {emulators.slack.bot_token}"},
        timeout=10.0,
    )
    started = time.monotonic()
    try:
        added = client.add_responder(incident_id, datadog_id, role_id)
        listed = client.list_responders(incident_id)
        shown = [r for r in listed if r.responder_id == added.responder_id] or [added]
        responder = Responder.model_validate(
            {**shown[0].model_dump(), "slack_user_id": person, "role_name": ROLE}
        )
        text, blocks = card_blocks(_card_view(client, incident_id), responders=[responder])
        slack.post(
            "chat.update",
            json={"channel": INCIDENTS, "ts": card["ts"], "text": text, "blocks": blocks},
        )
        note_text, note_blocks = added_note("U0BENCH", responder, "IR-1")
        slack.post(
            "chat.postMessage",
            json={
                "channel": INCIDENTS,
                "thread_ts": card["ts"],
                "text": note_text,
                "blocks": note_blocks,
            },
        )
        return time.monotonic() - started
    finally:
        slack.close()


_VIEWS: dict[str, Any] = {}


def _card_view(client: DatadogClient, incident_id: str) -> Any:
    """The incident as the card shows it: read once, before the clock (the bot keeps it)."""
    if incident_id not in _VIEWS:
        _VIEWS[incident_id] = client.view(client.get_incident(incident_id))
    return _VIEWS[incident_id]


def measure_responders(emulators: Emulators, bot: Served, samples: int) -> dict[str, Any]:
    """`samples` adds each way, interleaved, on one incident's card."""
    card = declare_card(emulators, bot)
    role_id = emulators.datadog.add_role(ROLE)
    incident_id = next(iter(emulators.datadog.incidents))
    datadog = emulators.datadog
    client = DatadogClient(datadog.api_key, datadog.app_key, base_url=datadog.url)
    saved = dict(datadog.latency)
    datadog.latency.clear()
    _card_view(client, incident_id)  # outside the clock, as the bot has the card stored
    datadog.latency.update(saved)
    acks: list[float] = []
    after: list[float] = []
    before: list[float] = []
    try:
        for i in range(samples):
            if i % 2:
                before.append(_before_once(emulators, client, card, incident_id, role_id))
            ack, done = _after_once(emulators, bot, card, role_id)
            acks.append(ack)
            after.append(done)
            if not i % 2:
                before.append(_before_once(emulators, client, card, incident_id, role_id))
    finally:
        client.close()
        _VIEWS.clear()
    return {
        "ack": latency_summary(acks),
        "after": latency_summary(after),
        "before": latency_summary(before),
    }


def figure_responders(
    args: argparse.Namespace, latency: float, settle: float, log: Callable[[str], None]
) -> dict[str, Any]:
    """Figure 10: fresh emulators and bot per run, both orders interleaved in each."""
    median, runs = medians_over_fresh_bots(
        args.runs,
        latency,
        settle,
        lambda emulators, bot: measure_responders(emulators, bot, args.responder_samples),
        lambda run: log(f"run {run + 1}/{args.runs} of figure 10 (responders) done"),
    )
    unit = latency * 1000 or float("nan")
    calls = {
        k: {"p50": median[k]["p50_ms"] / unit, "p99": median[k]["p99_ms"] / unit}
        for k in ("ack", "after", "before")
    }
    return {
        "responders": {
            "what": "Add responder submit's ack → the card's chat.update and the thread note "
            "handled; after: the bot (card edit beside the POST); before: the naive order "
            "(POST, GET responders, chat.update, note), same emulators, interleaved",
            "latency_ms": latency * 1000,
            "median": median,
            "calls": calls,
            "met": calls["after"]["p50"] < calls["before"]["p50"],
            "runs": runs,
        }
    }
