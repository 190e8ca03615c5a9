"""Figure 9, incident channel: submit → the pointer with the link in the origin channel, with
DECLARE_INCIDENT_CHANNEL=always, the commander prefetched.

The critical path counted (3 × latency):

    Datadog create incident → conversations.create → chat.postMessage (the pointer)

The origin's privacy (conversations.info) is asked while Datadog creates the incident;
invites, topic, bookmark and the card in the new channel go beside the pointer, so none
of them is on the path. Time runs from sending the signed submission to the moment the
Slack emulator has handled the pointer (arrival + the injected latency).
"""

from __future__ import annotations

import math
import time
from contextlib import ExitStack
from typing import Any

from bench.common import (
    Emulators,
    Served,
    handled_at,
    new_calls,
    request_args,
    send_submission,
    wait_until,
)
from bench.latency import TIMEOUT, _settle_after, open_form_prefetched
from bench.stats import latency_summary, over_runs
from bot.emulators.base import Request
from bot.emulators.personas import INCIDENTS
from bot.emulators.slack.inbound import declare_form_values

CHANNEL_TARGET = 1.15
CHANNEL_BOUND = 3
"""Datadog create, conversations.create, the pointer: multiples of the per-call latency."""
STARTUP_SETTLE = 1.0


def _pointer_once(emulators: Emulators, bot: Served, name: str) -> float:
    slack = emulators.slack
    declarer, view = open_form_prefetched(emulators, bot)
    values = declare_form_values(title=f"Bench channel {name}", commander=declarer)
    since = len(slack.requests)
    sent, response = send_submission(bot, emulators, view, values, declarer)
    assert response.status_code == 200, response.text

    def pointer() -> Request | None:
        for request in new_calls(slack, since, "/api/chat.postMessage"):
            args = request_args(request)
            if args.get("channel") == INCIDENTS and "declared" in str(args.get("text", "")):
                return request
        return None

    found = wait_until(pointer, TIMEOUT, "the pointer")
    assert "/incidents/" in str(request_args(found).get("blocks")), "the pointer has the link"

    def done() -> Request | None:
        for request in new_calls(slack, since, "/api/views.update"):
            if request_args(request).get("view_id") == view["id"]:
                return request
        return None

    _settle_after(slack, wait_until(done, TIMEOUT, "the declaration to finish"))
    return handled_at(slack, found) - sent


def figure_channel(runs: int, samples: int, latency: float) -> dict[str, Any]:
    """Fresh emulators and bot per run; `samples` declarations each."""
    per_run: list[dict[str, Any]] = []
    for _ in range(runs):
        with ExitStack() as running:
            emulators = Emulators(latency).start()
            running.callback(emulators.stop)
            bot = running.enter_context(start_bot_with_channel(emulators))
            time.sleep(STARTUP_SETTLE)
            times = [_pointer_once(emulators, bot, f"{i}") for i in range(samples)]
            per_run.append({"pointer": latency_summary(times)})
    median = {"pointer": over_runs([r["pointer"] for r in per_run])}
    bound = CHANNEL_BOUND * latency * 1000
    ratio = median["pointer"]["p99_ms"] / bound if bound else math.nan
    return {
        "channel": {
            "what": "signed view_submission sent → the pointer (with the link) is handled in "
            "the origin channel, DECLARE_INCIDENT_CHANNEL=always, commander prefetched",
            "path": "Datadog create → conversations.create → chat.postMessage (pointer)",
            "median": median,
            "bound_ms": bound,
            "p99_ratio": ratio,
            "target": f"p99 ≤ {CHANNEL_TARGET:.2f}× the critical path",
            "met": bool(latency > 0 and ratio <= CHANNEL_TARGET),
            "runs": per_run,
        }
    }


def start_bot_with_channel(emulators: Emulators) -> Served:
    """`python -m bot` against the emulators, making a channel for every declaration."""
    env = emulators.env() | {"DECLARE_INCIDENT_CHANNEL": "always"}
    return Served(["-m", "bot"], env, "bot-channel").start()
