"""The sandbox's second half: after the declaration, one update and one resolve from the card.

Same real code paths as in Slack: @bob presses Update on the card (the modal opens at once,
then shows Datadog's current incident), raises the severity; then Resolve with a note. The
transcript shows the PATCH bodies, the card edited in place and the thread notes.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.sandbox.status_page import NOTES, walk_publish
from bot.sandbox.transcript import Transcript

if TYPE_CHECKING:
    pass


NOTE = "Rolled back the 14:00 deploy; 5xx back to baseline."


def _wait_done(transcript: Transcript, count: int, base: int = 1) -> bool:
    from bot.emulators.card_driver import card_message
    from bot.emulators.personas import INCIDENTS

    stack = transcript.stack
    thread = card_message(stack)["ts"]
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        replies = [m for m in stack.slack.messages(INCIDENTS) if m.get("thread_ts") == thread]
        if len(replies) >= count + base:  # replies before this walk, then one note per change
            time.sleep(0.1)  # the modal's "Updated" comes right after the note
            return True
        time.sleep(0.02)
    return False


def walk_lifecycle(transcript: Transcript) -> bool:
    """Update the severity, then resolve; True when both reached the card and the thread."""
    from bot.emulators.card_driver import open_modal, with_changes
    from bot.emulators.personas import BOB
    from bot.slack.common.ids import POSTMORTEM_BLOCK, RESOLVE_ACTION, UPDATE_ACTION

    stack, say = transcript.stack, transcript.say
    from bot.emulators.card_driver import card_message
    from bot.emulators.personas import INCIDENTS

    thread = card_message(stack)["ts"]
    base = len([m for m in stack.slack.messages(INCIDENTS) if m.get("thread_ts") == thread])
    say("\n\nBack to IR-1, run from its card in #incidents.")
    say("\n8. @bob presses Update on the card. The modal opens at once (views.open), then")
    say("   shows Datadog's current incident (GET, then views.update):")
    view = open_modal(stack, UPDATE_ACTION, user=BOB)
    transcript.calls("   ")
    say("\n9. @bob raises the severity to SEV-1 and presses Update:")
    response = stack.submit(view, with_changes(view, severity="SEV-1"), user=BOB)
    say(f"   Slack → bot  view_submission; bot → Slack HTTP {response.status_code}")
    if not _wait_done(transcript, 1, base):
        say("✗ The update did not reach the card.")
        return False
    say("   Then (only the changed field is sent; the card is edited in place, beside the")
    say("   PATCH, so those two come in either order; the thread note once Datadog has it):")
    transcript.calls("   ")
    published = "DECLARE_STATUS_PAGE" in stack.env
    if published and not walk_publish(transcript):
        return False
    say("\n10. @bob presses Resolve, adds a note and when the customer impact ended:")
    if published:
        say("    (the public notice is resolved too: its box is ticked by default)")
    view = open_modal(stack, RESOLVE_ACTION, user=BOB)
    values = with_changes(view, resolution_note=NOTE)
    unchecked = {"type": "checkboxes", "selected_options": []}  # step 11 drafts it from the card
    values[POSTMORTEM_BLOCK] = {POSTMORTEM_BLOCK: unchecked}
    stack.submit(view, values, user=BOB)
    if not _wait_done(transcript, 2 + (NOTES if published else 0), base):
        say("✗ The resolve did not reach the card.")
        return False
    transcript.calls("   ")
    say("\n✓ Updated and resolved from Slack: the card shows ✅ and Reopen.")
    return True
