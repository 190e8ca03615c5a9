"""Figure 8, lifecycle, as `bench.run` reports it: medians over runs, ratios and targets."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from bench.common import Emulators, Served, medians_over_fresh_bots
from bench.lifecycle import measure_lifecycle, measure_sync_calls, seed_open_cards

UPDATE_OPEN_TARGET = 1.20
"""Update button → views.open p99, at most this many times /declare's."""
UPDATE_CARD_TARGET = 1.15
"""Update submit → card updated p99 over its critical path, PATCH + chat.update."""


def figure_lifecycle(
    args: argparse.Namespace, latency: float, settle: float, log: Callable[[str], None]
) -> dict[str, Any]:
    """Figure 8: fresh emulators and bot per run; then one bot syncing N open incidents."""
    median, runs = medians_over_fresh_bots(
        args.runs,
        latency,
        settle,
        lambda emulators, bot: measure_lifecycle(emulators, bot, args.lifecycle_samples),
        lambda run: log(f"run {run + 1}/{args.runs} of figure 8 (lifecycle) done"),
    )
    open_ratio = median["update_open"]["p99_ms"] / median["declare_open"]["p99_ms"]
    bound = 2 * latency * 1000
    card_ratio = median["submit_to_card"]["p99_ms"] / bound if bound else math.nan
    with ExitStack() as running:
        emulators = Emulators(latency).start()
        running.callback(emulators.stop)
        env = {**emulators.env(), "DECLARE_SYNC_INTERVAL": str(args.sync_interval)}
        bot = running.enter_context(Served(["-m", "bot"], env, "bot-sync"))
        incidents = seed_open_cards(emulators, bot, args.sync_incidents)
        sync = measure_sync_calls(emulators, incidents, args.sync_interval)
    log(f"sync with {args.sync_incidents} open incidents measured")
    return {
        "lifecycle": {
            "what": "Update button → views.open beside /declare → views.open; update submit → "
            "chat.update of the card handled; Datadog calls per sync tick",
            "median": median,
            "open_p99_ratio": open_ratio,
            "card_bound_ms": bound,
            "card_p99_ratio": card_ratio,
            "card_p99_ratio_with_get": card_ratio * 2 / 3,
            "card_note": "the submit reads the incident (GET) before the ack to judge "
            "conflicts; then the card's chat.update goes out beside the PATCH, so the path "
            "measured is GET + chat.update (2 × latency); the info ratio is over GET + PATCH "
            "+ chat.update (3 × latency), the path before the edit went out beside the PATCH",
            "targets": {"open": UPDATE_OPEN_TARGET, "card": UPDATE_CARD_TARGET},
            "met": {
                "open": open_ratio <= UPDATE_OPEN_TARGET,
                "card": card_ratio <= UPDATE_CARD_TARGET if latency > 0 else None,
                "sync_calls": sync["met"],
            },
            "sync_calls": sync,
            "runs": runs,
        }
    }
