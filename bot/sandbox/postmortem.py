"""The sandbox's postmortem: back to IR-1, resolved, @bob presses Postmortem on its card.

The resolve form's "Draft the postmortem" box (checked by default) does the same on
resolve; the walk leaves it unchecked so the press shows on its own: the bot lists the
incident's attachments (none yet), drafts the postmortem from what it kept (the journal)
and creates it in Datadog, then links it from the card and says so in the thread.
"""

from __future__ import annotations

import time

from bot.sandbox.transcript import Transcript


def _drafted(transcript: Transcript) -> bool:
    from bot.emulators.card_driver import card_message
    from bot.emulators.personas import INCIDENTS

    stack = transcript.stack
    thread = card_message(stack)["ts"]
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        for message in stack.slack.messages(INCIDENTS):
            if message.get("thread_ts") == thread and "Postmortem drafted" in message["text"]:
                time.sleep(0.1)  # the ephemeral answer and the card edit come with it
                return True
        time.sleep(0.02)
    return False


def walk_postmortem(transcript: Transcript) -> bool:
    """Press Postmortem on the resolved card; True when Datadog has it and the card links it."""
    from bot.emulators.card_driver import press_card
    from bot.emulators.personas import BOB
    from bot.slack.common.ids import POSTMORTEM_ACTION

    stack, say = transcript.stack, transcript.say
    say("\n14. Back to IR-1: @bob presses Postmortem on its resolved card (the resolve form's")
    say("    “Draft the postmortem” box, checked by default, does the same on resolve):")
    response = press_card(stack, POSTMORTEM_ACTION, user=BOB)
    say(f"    Slack → bot  block_actions; bot → Slack HTTP {response.status_code}")
    if not _drafted(transcript):
        say("✗ The postmortem was not drafted.")
        return False
    say("    Then (it looks for a postmortem first, drafts one from what the bot kept, and")
    say("    links it from the card and the thread; pressed again, it only links it):")
    transcript.calls("    ")
    say("\n✓ Postmortem drafted in Datadog once, linked from the card's Postmortem button.")
    return True
