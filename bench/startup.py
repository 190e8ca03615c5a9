"""Figure 1b: the first /declare after a start against the steady state (issue 15 item 2).

Each restart: start the app, wait STARTUP_SETTLE, time one /declare → views.open (the
first), then `steady` more (the steady state); stop. The figure is the median first over
the median steady p50: 1.0× means a start costs the first person nothing. A plain Bolt
app that calls auth.test while it is built (Bolt's README app) is the reference.

The steady samples reuse the load generator's kept-alive connection to the app; a first
/declare on a new one also pays for setting that connection up (about 1 ms here, the
load generator's side as much as the app's), which is not a cost of the app's start. So
restarts alternate: on the first, third, … the load generator's connection is opened
first (a GET /healthz on it), and that first is the like-for-like figure (`first_ms`,
`ratio`); the others time the first on a new connection (`first_new_connection_ms`).
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
    firsts_new: dict[str, list[float]] = {name: [] for name in apps}
    steadies: dict[str, list[float]] = {name: [] for name in apps}
    for restart in range(restarts):
        connected = restart % 2 == 0
        emulators = Emulators(latency).start()
        try:
            for name, start in apps.items():
                with start(emulators) as app:
                    time.sleep(STARTUP_SETTLE)
                    if connected:
                        app.caller.http.get(app.url + "/healthz")  # any answer; 404 is fine
                    first = first_open(emulators, app, is_bot=name.startswith("bot"))[0]
                    (firsts if connected else firsts_new)[name].append(first)
                    summary = measure_open(emulators, {name: app}, steady)
                    steadies[name].append(summary[name]["p50_ms"])
        finally:
            emulators.stop()
    out: dict[str, Any] = {}
    for name in apps:
        first, steady_p50 = statistics.median(firsts[name]), statistics.median(steadies[name])
        first_new = statistics.median(firsts_new[name]) if firsts_new[name] else float("nan")
        out[name] = {
            "first_ms": first,
            "steady_p50_ms": steady_p50,
            "ratio": first / steady_p50,
            "first_new_connection_ms": first_new,
            "ratio_new_connection": first_new / steady_p50,
            "firsts_ms": firsts[name],
            "firsts_new_connection_ms": firsts_new[name],
            "steady_p50s_ms": steadies[name],
        }
    return out
