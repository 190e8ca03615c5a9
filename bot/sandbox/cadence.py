"""The sandbox's status update and reminder: @bob posts an update from the card, then the
scheduler, its clock moved on past the SEV-2 interval, posts the reminder in the thread.

Same real code paths as in Slack; only the scheduler's clock is moved (the sandbox does not
wait half an hour).
"""

from __future__ import annotations

import time

from bot.sandbox.transcript import Transcript

UPDATE = "Rolled back the 14:00 deploy in eu-west-1; 5xx falling. Next: confirm the fix."
LATER = 31 * 60
"""Seconds the scheduler's clock is moved on: past SEV-2's 30 minutes."""


def _thread(transcript: Transcript) -> list[dict[str, object]]:
    from bot.emulators.card_driver import card_message
    from bot.emulators.personas import INCIDENTS

    stack = transcript.stack
    ts = card_message(stack)["ts"]
    return [m for m in stack.slack.messages(INCIDENTS) if m.get("thread_ts") == ts]


def _wait(transcript: Transcript, count: int) -> bool:
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        if len(_thread(transcript)) >= count:
            time.sleep(0.2)  # the card's status line comes right after
            return True
        time.sleep(0.02)
    return False


def walk_cadence(transcript: Transcript) -> bool:
    """Post a status update, then the reminder when the next is overdue."""
    from bot.emulators.card_driver import initial_values, press_card
    from bot.emulators.personas import BOB
    from bot.emulators.slack.inbound import text_value
    from bot.slack.common.ids import POST_UPDATE_ACTION, STATUS_TEXT

    stack, say = transcript.stack, transcript.say
    say("\n\nStatus updates on IR-1 (docs/cadence.md).")
    say("\nS1. @bob presses Post update on the card; the modal opens at once:")
    before = len(stack.slack.calls("/api/views.open"))
    press_card(stack, POST_UPDATE_ACTION, user=BOB)
    view = stack.opened_view(count=before + 1)
    transcript.calls("   ")
    say("\nS2. @bob writes what's happening and presses Post update:")
    values = initial_values(view)
    values[STATUS_TEXT] = {STATUS_TEXT: text_value(UPDATE)}
    replies = len(_thread(transcript))
    response = stack.submit(view, values, user=BOB)
    say(f"   Slack → bot  view_submission; bot → Slack HTTP {response.status_code}")
    if not _wait(transcript, replies + 1):
        say("✗ The status update did not reach the thread.")
        return False
    say("   Then: the update in the card's thread, the card's status line (last update,")
    say("   next due):")
    transcript.calls("   ")
    say("\nS3. No update for 31 minutes (the sandbox moves the scheduler's clock on): the")
    say("    reminder, in the thread, mentioning the commander:")
    from bot.domain.lifecycle.record import card_key
    from bot.emulators.card_driver import card_message
    from bot.emulators.personas import INCIDENTS

    scheduler = stack.services.reminders
    real = scheduler.clock
    scheduler.clock = lambda: real() + LATER
    try:
        report = scheduler.run_one(card_key(INCIDENTS, card_message(stack)["ts"]))
    finally:
        scheduler.clock = real
    transcript.calls("   ")
    if report.reminders != 1:
        say("✗ No reminder was posted.")
        return False
    say("\n✓ One status update and one reminder, each posted once.")
    return True
