"""Figure 4, footprint: a real `python -m bot`, from exec to GET /healthz, then its idle RSS.

The process runs from an empty working directory (no developer `.env` leaks in), in
HTTP mode, pointed at the emulators, with a SQLite store in that directory.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Emulators, start_bot, vm_kib

IDLE_SETTLE = 1.0
"""Seconds to sit idle after ready (the org configuration loads meanwhile) before VmRSS."""


def measure_footprint(runs: int, latency: float) -> list[dict[str, Any]]:
    """One cold start per run, against emulators that live for the whole figure."""
    emulators = Emulators(latency).start()
    results = []
    try:
        for _ in range(runs):
            bot = start_bot(emulators)
            try:
                time.sleep(IDLE_SETTLE)
                results.append({"ready_s": bot.ready_s, "idle_rss_mib": vm_kib(bot.pid) / 1024})
            finally:
                bot.stop()
    finally:
        emulators.stop()
    return results
