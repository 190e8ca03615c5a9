"""`declare-bot check` says whether the bot can post in DECLARE_UPDATES_CHANNEL."""

from __future__ import annotations

from bot.emulators.personas import GENERAL, INCIDENTS
from bot.emulators.stack import LocalStack
from tests.app.test_check import check, line


def test_the_stakeholder_channel_is_checked_only_when_set(stack: LocalStack) -> None:
    code, output = check(stack)
    assert code == 0 and "DECLARE_UPDATES_CHANNEL" not in output

    code, output = check(stack, DECLARE_UPDATES_CHANNEL=INCIDENTS)
    assert code == 0, output
    assert "#incidents" in line(output, "✓ DECLARE_UPDATES_CHANNEL")

    code, output = check(stack, DECLARE_UPDATES_CHANNEL=GENERAL)
    assert code == 1
    assert "/invite @declare-bot in #general" in line(output, "✗ DECLARE_UPDATES_CHANNEL")

    code, output = check(stack, DECLARE_UPDATES_CHANNEL="C0NOWHERE")
    assert code == 1 and "channel_not_found" in line(output, "✗ DECLARE_UPDATES_CHANNEL")
