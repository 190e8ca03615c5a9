"""Figure 6, placeholder (issue 15): when the channel sees the declaration, before and after.

Side by side in one run, on the same emulators, alternating: the bot as it was (the
announcement posted once the incident exists) and the bot with the placeholder (posted at
once, beside the create, then edited in place into the card). The commander is
prefetched (the person declaring commands). Times run from sending the signed
view_submission to the moment the Slack emulator has handled the call (arrival plus the
injected latency), so the submit's own handling is counted:

    first visible announcement   before: create → post          after: post         (1 ×)
    link on the announcement     before: create → post          after: create → edit (2 ×)
    thread reply                 before: create → post → reply  after: create → reply (2 ×)
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from bench.cells import Row
from bench.common import (
    Emulators,
    Served,
    handled_at,
    new_calls,
    request_args,
    send_submission,
    wait_until,
)
from bench.figures import label as figure_label
from bench.latency import TIMEOUT, _settle_after, open_form_prefetched
from bench.stats import latency_summary, over_runs
from bot.emulators.base import Request
from bot.emulators.personas import INCIDENTS
from bot.emulators.slack.inbound import declare_form_values

TARGET = 1.15
"""p99 over the new critical path (1 × for the first post, 2 × for the link and reply)."""
BOUNDS = {"first_visible": 1, "link": 2, "reply": 2}
MODES = ("before", "after")


def start_before(emulators: Emulators) -> Served:
    """The bot without the placeholder (bench/bot_without_placeholder.py)."""
    return Served(["-m", "bench.bot_without_placeholder"], emulators.env(), "before").start()


def _calls(emulators: Emulators, since: int) -> list[tuple[Request, dict[str, Any]]]:
    paths = ("/api/chat.postMessage", "/api/chat.update")
    with emulators.slack.lock:
        fresh = emulators.slack.requests[since:]
    return [(r, request_args(r)) for r in fresh if r.path in paths]


def _sample(emulators: Emulators, bot: Served, name: str) -> dict[str, float]:
    """One prefetched declaration: seconds from the submit to each moment."""
    slack = emulators.slack
    declarer, view = open_form_prefetched(emulators, bot)
    values = declare_form_values(title=f"Bench {name}", commander=declarer)
    since = len(slack.requests)
    sent, response = send_submission(bot, emulators, view, values, declarer)
    assert response.status_code == 200, response.text

    def done() -> Request | None:
        for request in new_calls(slack, since, "/api/views.update"):
            if request_args(request).get("view_id") == view["id"]:
                return request
        return None

    _settle_after(slack, wait_until(done, TIMEOUT, "the declaration to finish"))
    calls = _calls(emulators, since)
    top = [(r, a) for r, a in calls if a.get("channel") == INCIDENTS and not a.get("thread_ts")]
    first = next(r for r, a in top if r.path == "/api/chat.postMessage")
    link = next(r for r, a in top if "datadoghq.com/incidents/" in json.dumps(a.get("blocks")))
    reply = next(r for r, a in calls if a.get("thread_ts"))
    roots = [m for m in slack.messages(INCIDENTS) if not m.get("thread_ts")]
    assert sum(f"Bench {name}" in m.get("text", "") for m in roots) == 1, "one announcement"
    return {
        "first_visible": handled_at(slack, first) - sent,
        "link": handled_at(slack, link) - sent,
        "reply": handled_at(slack, reply) - sent,
    }


def measure(emulators: Emulators, bots: dict[str, Served], samples: int) -> dict[str, Any]:
    got: dict[str, list[float]] = {f"{m}_{k}": [] for m in MODES for k in BOUNDS}
    for i in range(samples):
        for mode in MODES if i % 2 == 0 else MODES[::-1]:
            for key, value in _sample(emulators, bots[mode], f"{mode} {i}").items():
                got[f"{mode}_{key}"].append(value)
    return {key: latency_summary(values) for key, values in got.items()}


def figure_placeholder(
    args: argparse.Namespace, latency: float, settle: float, log: Callable[[str], None]
) -> dict[str, Any]:
    """Fresh emulators and both bots per run; medians over runs."""
    from bench.common import start_bot

    runs: list[dict[str, Any]] = []
    for run in range(args.runs):
        with ExitStack() as running:
            emulators = Emulators(latency).start()
            running.callback(emulators.stop)
            bots = {
                "before": running.enter_context(start_before(emulators)),
                "after": running.enter_context(start_bot(emulators)),
            }
            time.sleep(settle)
            runs.append(measure(emulators, bots, args.submit_samples))
        log(f"run {run + 1}/{args.runs} of figure 6 (placeholder) done")
    median = {k: over_runs([r[k] for r in runs]) for k in runs[0]}
    bounds_ms = {k: n * latency * 1000 for k, n in BOUNDS.items()}
    ratios: dict[str, dict[str, float]] = {"p50": {}, "p99": {}}
    for key in median:
        bound = bounds_ms[key.split("_", 1)[1]]
        for q in ratios:
            ratios[q][key] = median[key][f"{q}_ms"] / bound if bound else math.nan
    return {
        "placeholder": {
            "what": "signed view_submission sent → Slack handled the first announcement, "
            "the announcement with the link, the thread reply (commander prefetched)",
            "median": median,
            "bounds_ms": bounds_ms,
            "p50_ratio": ratios["p50"],
            "p99_ratio": ratios["p99"],
            "target": f"after: p99 ≤ {TARGET:.2f}× of 1 × (first) and 2 × (link, reply)",
            "met": {k: ratios["p99"][f"after_{k}"] <= TARGET for k in BOUNDS if latency > 0},
            "runs": runs,
        }
    }


def placeholder_rows(f: dict[str, Any]) -> list[Row]:
    labels = {"first_visible": "first announcement", "link": "link on it", "reply": "thread reply"}
    out = []
    for mode in MODES:
        for key, label in labels.items():
            item = f["median"][f"{mode}_{key}"]
            bound = f["bounds_ms"][key]
            target = mode == "after"
            out.append(
                (
                    figure_label("placeholder", f"{mode}: submit → {label}"),
                    f"{item['p50_ms']:.1f} ms",
                    f"{item['p99_ms']:.1f} ms",
                    f"{BOUNDS[key]} × = {bound:.0f} ms",
                    f"{f['p99_ratio'][f'{mode}_{key}']:.2f}×",
                    f"p99 ≤ {TARGET:.2f}×" if target else "(info)",
                    ("met" if f["met"].get(key) else "MISSED") if target and f["met"] else "",
                )
            )
    return out
