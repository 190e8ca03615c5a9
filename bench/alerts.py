"""Figure 5, monitor alert: the message shortcut on a monitor alert, beside the plain one.

Both run against the same bot process in one run, interleaved. Times run from sending the
signed `message_action` to:

    views.open (arrival)         alert vs plain message: the alert path may not delay the
                                 form (target p99 ≤ 1.20× the plain shortcut's)
    monitor data in the form     the views.update that fills the form, handled by Slack
                                 (arrival + latency), against the sequential path it stands
                                 for: the plain shortcut's views.open handled + one Datadog
                                 call + one views.update = plain open (handled) + 2 × latency
                                 (target p99 ≤ 1.15×)

The bot starts the monitor read before views.open, so the fill usually lands one latency
after the form; `overlap_bound` (permalink, open, update: 3 × latency) is shown for that.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
from contextlib import ExitStack
from typing import Any

from bench.cells import Row, met, ms, ratio
from bench.common import (
    Emulators,
    Served,
    handled_at,
    new_calls,
    request_args,
    start_bot,
    view_for,
    wait_until,
)
from bench.figures import label
from bench.stats import latency_summary, over_runs
from bot.emulators.base import Request
from bot.emulators.personas import INCIDENTS, TEAM
from bot.emulators.slack.alerts import attachment_alert

TIMEOUT = 30.0
SETTLE = 0.02
OPEN_TARGET = 1.20
FILL_TARGET = 1.15
STARTUP_SETTLE = 1.0
_messages = itertools.count(1)


def _shortcut(bot: Served, emulators: Emulators, message: dict[str, Any], user: str) -> str:
    trigger = emulators.slack.issue_trigger()
    payload = {
        "type": "message_action",
        "token": "unused-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM, "domain": "emulator"},
        "user": {"id": user, "name": user.lower(), "username": user.lower()},
        "channel": {"id": INCIDENTS, "name": "incidents"},
        "callback_id": "declare_from_message",
        "trigger_id": trigger,
        "message_ts": message["ts"],
        "message": message,
        "response_url": emulators.slack.response_url(),
    }
    response = bot.caller.interact(payload)
    assert response.status_code == 200, response.text
    return trigger


def _call_with(emulators: Emulators, since: int, path: str, key: str, value: str) -> Any:
    def found() -> Request | None:
        for request in new_calls(emulators.slack, since, path):
            if request_args(request).get(key) == value:
                return request
        return None

    return found


def _once(
    emulators: Emulators, bot: Served, monitor_id: int | None
) -> tuple[float, float, float | None]:
    """(to views.open arrival, to it handled, to the fill handled or None) for one shortcut."""
    n = next(_messages)
    if monitor_id is None:
        content: dict[str, Any] = {"text": f"Checkout 5xx spiking (sample {n})"}
    else:
        url = f"https://app.datadoghq.com/monitors/{monitor_id}?group=service%3Acheckout"
        content = attachment_alert(f"[P2] Checkout 5xx on checkout ({n})", url, "3.1% 5xx")
    message = emulators.slack.hold_message(INCIDENTS, content)
    user = emulators.add_person()
    since_slack, since_dd = len(emulators.slack.requests), len(emulators.datadog.requests)
    sent = time.monotonic()
    trigger = _shortcut(bot, emulators, message, user)
    opened: Request = wait_until(
        _call_with(emulators, since_slack, "/api/views.open", "trigger_id", trigger),
        TIMEOUT,
        "views.open",
    )
    last = handled_at(emulators.slack, opened)
    filled: float | None = None
    if monitor_id is not None:
        view = wait_until(lambda: view_for(emulators, trigger), TIMEOUT, "the view")
        update: Request = wait_until(
            _call_with(emulators, since_slack, "/api/views.update", "view_id", view["id"]),
            TIMEOUT,
            "the fill",
        )
        last = max(last, handled_at(emulators.slack, update))
        filled = handled_at(emulators.slack, update) - sent
    users = wait_until(
        lambda: new_calls(emulators.datadog, since_dd, "/api/v2/users"), TIMEOUT, "the prefetch"
    )
    last = max(last, handled_at(emulators.datadog, users[0]))
    time.sleep(max(0.0, last + SETTLE - time.monotonic()))
    return opened.received_at - sent, handled_at(emulators.slack, opened) - sent, filled


def measure_alerts(emulators: Emulators, bot: Served, samples: int) -> dict[str, Any]:
    """Plain and alert shortcuts, alternating; a monitor with tags and a priority to read."""
    monitor_id = emulators.datadog.add_monitor(
        "[P2] Checkout 5xx on {{service.name}}",
        message="5xx above 2%. Runbook: https://wiki.example/checkout",
        tags=("service:checkout", "team:payments", "env:prod"),
        priority=2,
    )
    _once(emulators, bot, None)  # unmeasured: Bolt's first request pays an auth.test
    got: dict[str, list[float]] = {k: [] for k in ("plain_open", "plain_handled", "alert_open")}
    got["alert_filled"] = []
    for i in range(samples):
        for kind in ("plain", "alert") if i % 2 == 0 else ("alert", "plain"):
            to_open, to_handled, filled = _once(
                emulators, bot, monitor_id if kind == "alert" else None
            )
            got[f"{kind}_open"].append(to_open)
            if kind == "plain":
                got["plain_handled"].append(to_handled)
            elif filled is not None:
                got["alert_filled"].append(filled)
    return {name: latency_summary(values) for name, values in got.items()}


def figure_alert(args: argparse.Namespace, latency: float) -> dict[str, Any]:
    """Fresh emulators and bot per run; medians over runs."""
    runs: list[dict[str, Any]] = []
    for _ in range(args.runs):
        with ExitStack() as running:
            emulators = Emulators(latency).start()
            running.callback(emulators.stop)
            bot = running.enter_context(start_bot(emulators))
            time.sleep(STARTUP_SETTLE)
            runs.append(measure_alerts(emulators, bot, args.alert_samples))
    median = {k: over_runs([r[k] for r in runs]) for k in runs[0]}
    plain, alert = median["plain_open"], median["alert_open"]
    reference = {q: median["plain_handled"][q] + 2 * latency * 1000 for q in ("p50_ms", "p99_ms")}
    open_ratio = alert["p99_ms"] / plain["p99_ms"] if plain["p99_ms"] else math.nan
    fill_ratio = median["alert_filled"]["p99_ms"] / reference["p99_ms"]
    return {
        "alert": {
            "what": "signed message_action sent → views.open arrives (alert vs plain message); "
            "→ the views.update that fills the form is handled (alert)",
            "median": median,
            "fill_reference_ms": reference,
            "overlap_bound_ms": 3 * latency * 1000,
            "open_p99_ratio": open_ratio,
            "fill_p99_ratio": fill_ratio,
            "fill_p50_ratio": median["alert_filled"]["p50_ms"] / reference["p50_ms"],
            "targets": {"open": OPEN_TARGET, "fill": FILL_TARGET},
            "met": {"open": open_ratio <= OPEN_TARGET, "fill": fill_ratio <= FILL_TARGET},
            "runs": runs,
        }
    }


def alert_rows(figure: dict[str, Any]) -> list[Row]:
    """The figure's rows in bench/report.py's table."""
    m = figure["median"]
    plain, alert, filled = m["plain_open"], m["alert_open"], m["alert_filled"]
    reference = figure["fill_reference_ms"]
    return [
        (
            label("alert", "alert shortcut → views.open"),
            ms(alert["p50_ms"]),
            ms(alert["p99_ms"]),
            f"plain shortcut p99 {ms(plain['p99_ms'])}",
            ratio(figure["open_p99_ratio"]),
            f"p99 ≤ {OPEN_TARGET:.2f}× plain",
            met(figure["met"]["open"]),
        ),
        (
            "  plain shortcut → views.open",
            ms(plain["p50_ms"]),
            ms(plain["p99_ms"]),
            "",
            "",
            "",
            "",
        ),
        (
            "  alert → monitor data in form",
            ms(filled["p50_ms"]),
            ms(filled["p99_ms"]),
            f"open+DD+update p99 {ms(reference['p99_ms'])}",
            ratio(figure["fill_p99_ratio"]),
            f"p99 ≤ {FILL_TARGET:.2f}× that",
            met(figure["met"]["fill"]),
        ),
        (
            "  (overlapped path bound)",
            "",
            "",
            f"3 × latency {ms(figure['overlap_bound_ms'])}",
            ratio(filled["p99_ms"] / figure["overlap_bound_ms"])
            if figure["overlap_bound_ms"]
            else "",
            "(info)",
            "",
        ),
    ]
