"""The sandbox's record walk: on IR-2 (still open), a message added to the incident, a to-do
added from the card and checked off in its list (docs/record.md).

Same real code paths as in Slack: @bob replies in IR-2's thread, @alice uses "Add to
incident" on it (chat.getPermalink, the 📌 note, the link attachment in Datadog); @alice
presses Add to-do, assigns @bob; @bob checks it off (the PATCH, the list edited in place).
"""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.transcript import Transcript

FINDING = "Found it: the 14:00 deploy set <!channel> pool size to 5. Rolling back."
TODO = "Add an alert on the checkout connection pool"


def _until(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    return None


def walk_record(transcript: Transcript) -> bool:
    """Capture a message and add and complete a to-do on IR-2; True when all three landed."""
    from bot.emulators.card_driver import open_modal, press_todo_box
    from bot.emulators.personas import ALICE, BOB, INCIDENTS
    from bot.emulators.slack.inbound import text_value
    from bot.slack.common.ids import CAPTURE_SHORTCUT, TODO_ACTION
    from bot.slack.record.blocks import TODO_ASSIGNEE_BLOCK, TODO_CONTENT_BLOCK, TODO_DUE_BLOCK

    stack, say = transcript.stack, transcript.say
    card = max(stack.services.cards.open_cards(), key=lambda c: c.shown.public_id or 0)
    label = card.shown.label
    say(f"\n\nKeeping the record of {label} (still open; its card is in the alert's thread).")
    say(f"\n11. @bob replies in {label}'s thread; @alice uses “Add to incident” on his message:")
    ts = stack.slack.post_as_user(card.channel, BOB, FINDING, thread_ts=card.thread_ts)
    transcript.block([f"@bob: {FINDING}"], "      │ ")
    transcript.mark = time.monotonic()
    stack.message_shortcut(
        stack.slack.message(card.channel, ts), channel=card.channel, callback_id=CAPTURE_SHORTCUT
    )
    if not _until(lambda: stack.datadog.attachments.get(card.incident_id)) or not _until(
        lambda: (stack.services.chores.store.get_chore(_capture_key(card, ts)) or _Nothing).told
    ):
        say("✗ The message did not reach the incident.")
        return False
    transcript.calls("   ")
    say("   (the quote is escaped: the <!channel> in it pings no one)")

    say(f"\n12. @alice presses Add to-do on {label}'s card, assigns @bob, due tomorrow:")
    message = stack.slack.message(INCIDENTS, card.ts)
    view = open_modal(stack, TODO_ACTION, channel=card.channel, message=message)
    transcript.mark = time.monotonic()
    due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    values = {
        TODO_CONTENT_BLOCK: {TODO_CONTENT_BLOCK: text_value(TODO)},
        TODO_ASSIGNEE_BLOCK: {TODO_ASSIGNEE_BLOCK: {"type": "users_select", "selected_user": BOB}},
        TODO_DUE_BLOCK: {TODO_DUE_BLOCK: {"type": "datepicker", "selected_date": due}},
    }
    response = stack.submit(view, values, user=ALICE)
    say(f"   Slack → bot  view_submission; bot → Slack HTTP {response.status_code}")
    listed = _until(lambda: stack.services.todo_lists.kept(card.key))
    if not listed:
        say("✗ The to-do did not reach the list.")
        return False
    transcript.calls("   ")

    say("\n13. @bob checks the to-do off in the list:")
    [todo_id] = list(stack.datadog.todos[card.incident_id])
    todo_list = stack.slack.message(card.channel, str(listed.told["ts"]))
    press_todo_box(stack, card.channel, todo_list, todo_id, user=BOB)
    if not _until(lambda: (stack.services.todo_lists.kept(card.key) or _Nothing).told.get("done")):
        say("✗ The to-do was not completed.")
        return False
    time.sleep(0.1)
    transcript.calls("   ")
    say(f"\n✓ {label}'s record: the message linked in Datadog, the to-do added and done.")
    return True


class _Nothing:
    told: dict[str, Any] = {}


def _capture_key(card: Any, ts: str) -> str:
    from bot.domain.lifecycle.chores import chore_key
    from bot.domain.record.works import CAPTURE

    return chore_key(CAPTURE, card.incident_id, card.channel, ts)
