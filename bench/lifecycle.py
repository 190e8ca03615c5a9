"""Figure 8, lifecycle: running an incident from Slack, and the sync's Datadog calls.

- Update button → views.open, beside /declare → views.open (interleaved, same bot): the
  update modal opens from the stored card, before Datadog is asked.
- update submit → card updated (chat.update handled), against its critical path:
  PATCH, then chat.update = 2 × latency.
- Datadog calls per sync interval with N open incidents (each with a card): counted at the
  Datadog emulator between the sync's searches, with nothing changed, some, and all.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import httpx

from bench.common import (
    Emulators,
    Served,
    handled_at,
    new_calls,
    request_args,
    send_slash,
    send_submission,
    view_for,
    wait_until,
)
from bench.latency import _open_once, _settle_after
from bench.stats import latency_summary
from bot.datadog.client import DatadogClient
from bot.datadog.incident_reader import DatadogIncidentReader
from bot.domain.lifecycle.record import IncidentCard, card_key
from bot.emulators.base import Request
from bot.emulators.card_driver import card_message, with_changes
from bot.emulators.personas import INCIDENTS, TEAM
from bot.emulators.slack.inbound import declare_form_values, payload_body
from bot.slack.common.ids import UPDATE_ACTION, UPDATE_CALLBACK
from bot.store.sqlite import SqliteStore

TIMEOUT = 60.0
SEARCH = "/api/v2/incidents/search"
SEVERITIES = ("SEV-1", "SEV-3")


def _shim(emulators: Emulators, bot: Served) -> Any:
    """What the card driver needs of a stack: the Slack emulator and a signed caller."""
    return SimpleNamespace(slack=emulators.slack, caller=bot.caller)


def declare_card(emulators: Emulators, bot: Served) -> dict[str, Any]:
    """Declare one incident through the bot; its card as Slack holds it."""
    user = emulators.add_person()
    trigger, _, ack = send_slash(bot, emulators, user)
    assert ack.status_code == 200, ack.text
    view = wait_until(lambda: view_for(emulators, trigger), TIMEOUT, "the modal")
    values = declare_form_values(title="Bench lifecycle", severity="SEV-2", commander=user)
    send_submission(bot, emulators, view, values, user)
    shim = _shim(emulators, bot)
    wait_until(
        lambda: any(m.get("thread_ts") for m in emulators.slack.messages(INCIDENTS)),
        TIMEOUT,
        "the thread reply",
    )
    return card_message(shim)


def _press_payload(emulators: Emulators, card: dict[str, Any], user: str) -> dict[str, Any]:
    """Update on the card as Slack sends it, built before the clock starts (as /declare's)."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM},
        "api_app_id": "A0DECLARE",
        "token": "unused-verification-token",
        "trigger_id": emulators.slack.issue_trigger(),
        "team": {"id": TEAM, "domain": "emulator"},
        "container": {
            "type": "message",
            "message_ts": card["ts"],
            "channel_id": INCIDENTS,
            "is_ephemeral": False,
        },
        "channel": {"id": INCIDENTS, "name": "incidents"},
        "message": card,
        "response_url": emulators.slack.response_url(),
        "actions": [
            {
                "action_id": UPDATE_ACTION,
                "block_id": "incident_card_actions",
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def _press_update(
    emulators: Emulators, bot: Served, card: dict[str, Any], user: str
) -> tuple[float, str]:
    """(seconds to views.open, the view id), once the modal was refreshed from Datadog."""
    slack = emulators.slack
    body = payload_body(_press_payload(emulators, card, user))
    with slack.lock:
        before = set(slack.views)
    since = len(slack.requests)
    sent = time.monotonic()
    response = bot.caller.post(body)
    assert response.status_code == 200, response.text
    opened = wait_until(lambda: new_calls(slack, since, "/api/views.open"), TIMEOUT, "views.open")

    def update_modal() -> str | None:
        """This press's modal: not another view a views.update (the declaration's own
        "Declared", say) touched meanwhile."""
        with slack.lock:
            fresh = [v for k, v in slack.views.items() if k not in before]
        return next((v["id"] for v in fresh if v.get("callback_id") == UPDATE_CALLBACK), None)

    view_id = wait_until(update_modal, TIMEOUT, "the update modal")
    refreshed = wait_until(
        lambda: [
            r
            for r in new_calls(slack, since, "/api/views.update")
            if request_args(r).get("view_id") == view_id
        ],
        TIMEOUT,
        "the refresh",
    )
    _settle_after(slack, refreshed[0])
    return opened[0].received_at - sent, view_id


def _submit_update(
    emulators: Emulators, bot: Served, view_id: str, user: str, severity: str, ts: str
) -> float:
    """Submit the update modal with a new severity; seconds to the card's chat.update."""
    slack = emulators.slack
    with slack.lock:
        view = dict(slack.views[view_id])
    values = with_changes(view, severity=severity)
    since = len(slack.requests)
    sent, response = send_submission(bot, emulators, view, values, user)
    assert response.status_code == 200, response.text

    def card_updated() -> Request | None:
        for request in new_calls(slack, since, "/api/chat.update"):
            if request_args(request).get("ts") == ts:
                return request
        return None

    update = wait_until(card_updated, TIMEOUT, "the card update")
    note = wait_until(
        lambda: [
            r
            for r in new_calls(slack, since, "/api/chat.postMessage")
            if request_args(r).get("thread_ts")
        ],
        TIMEOUT,
        "the thread note",
    )
    done = wait_until(lambda: new_calls(slack, since, "/api/views.update"), TIMEOUT, "done")
    _settle_after(slack, max([note[0], done[-1]], key=lambda r: r.received_at))
    return handled_at(slack, update) - sent


def measure_lifecycle(emulators: Emulators, bot: Served, samples: int) -> dict[str, Any]:
    """Update → views.open vs /declare → views.open, and update submit → card updated."""
    card = declare_card(emulators, bot)
    update_open: list[float] = []
    declare_open: list[float] = []
    to_card: list[float] = []
    for i in range(samples):
        user = emulators.add_person()
        if i % 2:  # alternate which goes first
            declare_open.append(_open_once(emulators, bot, True)[0])
        opened, view_id = _press_update(emulators, bot, card, user)
        update_open.append(opened)
        if not i % 2:
            declare_open.append(_open_once(emulators, bot, True)[0])
        to_card.append(_submit_update(emulators, bot, view_id, user, SEVERITIES[i % 2], card["ts"]))
    return {
        "update_open": latency_summary(update_open),
        "declare_open": latency_summary(declare_open),
        "submit_to_card": latency_summary(to_card),
    }


def _post_as_bot(emulators: Emulators, text: str) -> str:
    response = httpx.post(
        emulators.slack.url + "/api/chat.postMessage",
        headers={"Authorization": f"Bearer {emulators.slack.bot_token}"},
        json={"channel": INCIDENTS, "text": text},
        timeout=5.0,
    )
    answer = response.json()
    assert answer.get("ok"), answer
    return str(answer["ts"])


def seed_open_cards(emulators: Emulators, bot: Served, count: int) -> list[str]:
    """`count` open incidents made in Datadog, each with a card the bot stores (no latency)."""
    saved = dict(emulators.slack.latency), dict(emulators.datadog.latency)
    emulators.slack.latency.clear()
    emulators.datadog.latency.clear()
    datadog = emulators.datadog
    client = DatadogClient(datadog.api_key, datadog.app_key, base_url=datadog.url)
    reader = DatadogIncidentReader(client)
    store = SqliteStore(bot.store_path)
    ids: list[str] = []
    try:
        for n in range(count):
            body = {
                "data": {
                    "type": "incidents",
                    "attributes": {"title": f"Synced {n}", "customer_impacted": False},
                }
            }
            incident_id = datadog.declare(body)["id"]
            ts = _post_as_bot(emulators, f"card {n}")
            store.add_card(
                IncidentCard(
                    key=card_key(INCIDENTS, ts),
                    incident_id=incident_id,
                    channel=INCIDENTS,
                    ts=ts,
                    thread_ts=ts,
                    shown=reader.incident(incident_id),
                )
            )
            ids.append(incident_id)
    finally:
        store.close()
        client.close()
        emulators.slack.latency.update(saved[0])
        emulators.datadog.latency.update(saved[1])
    return ids


def _searches(emulators: Emulators) -> list[int]:
    with emulators.datadog.lock:
        return [i for i, r in enumerate(emulators.datadog.requests) if r.path == SEARCH]


def _tick_calls(emulators: Emulators, timeout: float, ticks: int = 1) -> int:
    """Datadog calls per tick (search to next search), the most of the `ticks` ticks from the
    one under way now: a change made mid-tick is seen by it or by the next."""
    under_way = (_searches(emulators) or [0])[-1]

    def enough() -> list[int] | None:
        found = [i for i in _searches(emulators) if i >= under_way]
        return found if len(found) > ticks else None

    found = wait_until(enough, timeout, "whole sync ticks")
    return max(int(b - a) for a, b in zip(found, found[1:], strict=False))


def measure_sync_calls(
    emulators: Emulators, incidents: list[str], interval: float
) -> dict[str, Any]:
    """Datadog calls per sync interval: nothing changed, 5 changed, every one changed."""
    datadog = emulators.datadog
    timeout = interval * 4 + 60
    figures: dict[str, Any] = {"open_incidents": len(incidents), "interval_s": interval}
    _tick_calls(emulators, timeout, 2)  # the first ticks read the seeded cards
    figures["unchanged"] = _tick_calls(emulators, timeout, 2)
    for label, changed, severity in (
        ("5_changed", incidents[:5], "SEV-4"),
        ("all_changed", incidents, "SEV-5"),
    ):
        for incident_id in changed:
            datadog.edit_incident(
                incident_id,
                by=datadog.owner_id,
                attributes={"fields": {"severity": {"type": "dropdown", "value": severity}}},
            )
        figures[label] = _tick_calls(emulators, timeout, 3)
    figures["bound"] = f"1 search + at most one GET per moved incident (≤ {len(incidents) + 1})"
    figures["met"] = (
        figures["unchanged"] == 1
        and figures["5_changed"] <= 6
        and figures["all_changed"] <= len(incidents) + 1
    )
    return figures
