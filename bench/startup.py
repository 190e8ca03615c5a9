"""First /declare after a start against the steady state (issue 15 item 2).

Each restart: start the app, wait STARTUP_SETTLE, time one /declare → views.open (the
first), then `steady` more (the steady state); stop. The figure is the median first over
the median steady p50: 1.0× means a start costs the first person nothing. A plain Bolt
app that calls auth.test while it is built (Bolt's README app) is the reference.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.common import Emulators, Served
from bench.latency import first_open, measure_open

STARTUP_SETTLE = 1.0
"""As bench/run.py: the bot reads the org's configuration at start-up first."""


def measure_first_after_start(
    latency: float, restarts: int, steady: int, apps: dict[str, Callable[[Emulators], Served]]
) -> dict[str, Any]:
    """{app: {first_ms, steady_p50_ms, ratio, runs}} over `restarts` fresh starts each."""
    firsts: dict[str, list[float]] = {name: [] for name in apps}
    steadies: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(restarts):
        emulators = Emulators(latency).start()
        try:
            for name, start in apps.items():
                with start(emulators) as app:
                    time.sleep(STARTUP_SETTLE)
                    firsts[name].append(
                        first_open(emulators, app, is_bot=name.startswith("bot"))[0]
                    )
                    summary = measure_open(emulators, {name: app}, steady)
                    steadies[name].append(summary[name]["p50_ms"])
        finally:
            emulators.stop()
    out: dict[str, Any] = {}
    for name in apps:
        first, steady_p50 = statistics.median(firsts[name]), statistics.median(steadies[name])
        out[name] = {
            "first_ms": first,
            "steady_p50_ms": steady_p50,
            "ratio": first / steady_p50,
            "firsts_ms": firsts[name],
            "steady_p50s_ms": steadies[name],
        }
    return out
