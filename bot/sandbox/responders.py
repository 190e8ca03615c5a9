"""The sandbox's staffing walk, on IR-1's card before the update and resolve: @alice adds
@bob as a responder with a role, then @bob takes command.

Same real code paths as in Slack: the Add responder modal lists the org's roles, its
submission is judged in the ack (Bob is found in Datadog by email, like a commander) and
carried out as a chore (the card edited beside the POST, then one thread note); Take
command is a commander-only update (PATCH), its note naming the previous commander.
"""

from __future__ import annotations

import time

from bot.sandbox.transcript import Transcript

ROLE = "Communications lead"


def thread_replies(transcript: Transcript) -> int:
    """Replies under IR-1's card so far (the declaration's, then one note per change)."""
    from bot.emulators.card_driver import card_message
    from bot.emulators.personas import INCIDENTS

    stack = transcript.stack
    thread = card_message(stack)["ts"]
    return len([m for m in stack.slack.messages(INCIDENTS) if m.get("thread_ts") == thread])


def wait_notes(transcript: Transcript, count: int, before: int) -> bool:
    """True once `count` notes were added under IR-1's card to the `before` replies."""
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        if thread_replies(transcript) >= count + before:
            return True
        time.sleep(0.02)
    return False


def walk_responders(transcript: Transcript) -> bool:
    """Add @bob as a responder, then @bob takes command; True when both reached the card."""
    from bot.emulators.card_driver import open_modal, press_card
    from bot.emulators.personas import BOB
    from bot.emulators.slack.inbound import option_value
    from bot.slack.common import ids

    stack, say = transcript.stack, transcript.say
    role_id = stack.datadog.add_role(ROLE, description="Keeps stakeholders informed")
    before = thread_replies(transcript)
    say("\n\nStaffing IR-1 from its card in #incidents (the org has one responder role).")
    say("\nR1. @alice presses Add responder. The modal lists the org's roles")
    say("    (GET /api/v2/incidents/config/user-defined-roles, kept a minute):")
    view = open_modal(stack, ids.ADD_RESPONDER_ACTION)
    transcript.calls("    ")
    say(f"\nR2. @alice picks @bob, role “{ROLE}”, and presses Add. Bob is found in Datadog by")
    say("    email before the ack, like a commander; then the POST (the card shows him beside")
    say("    it) and one thread note:")
    values = {
        ids.RESPONDER_PERSON: {
            ids.RESPONDER_PERSON: {"type": "users_select", "selected_user": BOB}
        },
        ids.RESPONDER_ROLE: {ids.RESPONDER_ROLE: option_value(role_id)},
    }
    response = stack.submit(view, values)
    say(f"    Slack → bot  view_submission; bot → Slack HTTP {response.status_code}")
    if not wait_notes(transcript, 1, before):
        say("✗ The responder did not reach the card.")
        return False
    transcript.calls("    ")
    say("\nR3. @bob presses Take command (a commander-only update: one PATCH, then the note):")
    press_card(stack, ids.TAKE_COMMAND_ACTION, user=BOB)
    if not wait_notes(transcript, 2, before):
        say("✗ Take command did not reach the card.")
        return False
    transcript.calls("    ")
    say("\n✓ Staffed from Slack: @bob is a responder, then the commander.")
    return True
