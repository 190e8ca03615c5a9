"""The sandbox's paging: @bob pages a Datadog team from the alert incident's card.

Same code paths as in Slack: the Page button opens the modal, the team select lists
Datadog's teams (block_suggestion), the submission is stored as one page chore, the bot
sends the page and notes it in the card's thread with Datadog's page id.
"""

from __future__ import annotations

import time

from bot.sandbox.transcript import Transcript

MESSAGE = "Checkout 5xx at 3%; the deploy is rolled back, please check the payment provider."


def walk_paging(transcript: Transcript) -> bool:
    """Page the payments team from IR-2's card; True when the note reached its thread."""
    from bot.emulators.card_driver import open_modal
    from bot.emulators.personas import BOB
    from bot.emulators.slack.inbound import option_value, text_value
    from bot.slack.common import ids

    stack, say = transcript.stack, transcript.say
    stack.datadog.add_team("payments-oncall", "Payments on-call")
    card = next(c for c in stack.services.cards.open_cards() if c.shown.public_id == 2)
    message = next(m for m in stack.slack.messages(card.channel) if m["ts"] == card.ts)
    say("\n\nPaging on-call for IR-2, from its card (Datadog On-Call; docs/paging.md).")
    say("\n14. @bob presses Page on IR-2's card; the modal opens at once (views.open):")
    transcript.mark = time.monotonic()
    view = open_modal(stack, ids.PAGE_ACTION, user=BOB, message=message)
    transcript.block(transcript.modal_lines(view))
    say("\n15. @bob types “pay” in Team; the bot lists Datadog's teams (GET /api/v2/team):")
    offered = stack.suggest(view, ids.PAGE_TEAM_BLOCK, "pay", user=BOB)
    transcript.calls("   ")
    transcript.block([o["text"]["text"] for o in offered])
    say("\n16. @bob picks it, adds a message and presses Page:")
    chosen = option_value(offered[0]["value"], "external_select")
    chosen["selected_option"]["text"] = offered[0]["text"]
    values = {
        ids.PAGE_TEAM_BLOCK: {ids.PAGE_TEAM_BLOCK: chosen},
        ids.PAGE_PERSON_BLOCK: {ids.PAGE_PERSON_BLOCK: {"type": "users_select"}},
        ids.PAGE_MESSAGE_BLOCK: {ids.PAGE_MESSAGE_BLOCK: text_value(MESSAGE)},
    }
    response = stack.submit(view, values, user=BOB)
    say(f"   Slack → bot  view_submission; bot → Slack HTTP {response.status_code}")
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and not _noted(transcript, card.channel, card.thread_ts):
        time.sleep(0.02)
    if not _noted(transcript, card.channel, card.thread_ts):
        say("✗ The page did not reach the thread.")
        return False
    transcript.calls("   ")
    say("\n✓ Paged the payments on-call team from Slack, once; the thread has the page id.")
    return True


def _noted(transcript: Transcript, channel: str, thread_ts: str) -> bool:
    return any(
        m.get("thread_ts") == thread_ts and ":pager:" in str(m.get("blocks"))
        for m in transcript.stack.slack.messages(channel)
    )
