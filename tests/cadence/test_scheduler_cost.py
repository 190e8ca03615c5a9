"""The scheduler's cost grows with the reminders due, not the incidents open (the benchmark's
claim, bench/reminders.py, checked at a small scale)."""

from __future__ import annotations

from bench.reminders import measure
from bot.emulators.personas import INCIDENTS
from bot.emulators.slack import SlackEmulator


def test_cost_per_minute_follows_the_reminders_due() -> None:
    with SlackEmulator() as emulator:
        emulator.add_channel(INCIDENTS, "incidents", is_member=True)
        idle = measure(60, 0, emulator)
        busy = measure(60, 6, emulator)
        few = measure(6, 6, emulator)
    assert (idle["store_reads"], idle["store_writes"], idle["slack_calls"]) == (2, 0, 0)
    assert busy["reminders"] == few["reminders"] == 6
    for key in ("store_reads", "store_writes", "slack_calls"):
        assert busy[key] == few[key], key
