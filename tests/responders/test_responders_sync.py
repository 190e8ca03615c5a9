"""Responders changed in Datadog reach the card and its thread with the sync, naming who
added them where Datadog says (the responder's `created_by`); the sync reads an incident's
responders only when its `responders` relationship names others than the card lists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.emulators.personas import ALICE, BOB
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from tests.card_actions import card_message, thread_notes
from tests.responders.test_responders import note_with, responders_text, submit_add


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:  # the sync's own interval is off: ticks are driven here
        assert running.declare("Checkout API 5xx").status_code == 200
        running.wait_done()
        yield running


def responder_reads(stack: LocalStack) -> int:
    return len([c for c in stack.datadog.calls(method="GET") if c.path.endswith("/responders")])


def tick(stack: LocalStack) -> None:
    assert stack.services.sync.tick() is not None


def test_responders_added_and_removed_in_datadog_reach_the_card(stack: LocalStack) -> None:
    incident = next(iter(stack.datadog.incidents))
    tick(stack)  # the baseline: the commander, whom the card shows once, as commander
    assert responders_text(stack) == "" and thread_notes(stack) == []
    dana = stack.datadog.add_user("dana@example.com", "Dana Lead")
    scribe = stack.datadog.add_role("Scribe")
    added = stack.datadog.add_responder_as(incident, stack.users[BOB], role_id=scribe, by=dana)
    tick(stack)
    note = note_with(stack, "as a responder")
    assert note["blocks"][0]["text"]["text"] == (
        "Dana Lead (in Datadog) added Bob Oncall as a responder (Scribe)."
    )
    assert "• Bob Oncall: Scribe" in responders_text(stack)
    reads = responder_reads(stack)
    tick(stack)  # nothing moved: no read of the responders, no note
    assert responder_reads(stack) == reads and len(thread_notes(stack)) == 1
    stack.datadog.remove_responder_as(incident, added, by=dana)
    tick(stack)
    gone = note_with(stack, "from the responders")
    assert gone["blocks"][0]["text"]["text"] == (
        "Someone in Datadog removed Bob Oncall from the responders."
    )
    assert responders_text(stack) == ""
    assert ids.REMOVE_RESPONDER_ACTION not in str(card_message(stack))


def test_the_bots_own_add_is_not_noted_again_by_the_sync(stack: LocalStack) -> None:
    tick(stack)
    assert submit_add(stack, BOB)["response_action"] == "update"
    note_with(stack, "as a responder")
    tick(stack)
    tick(stack)
    notes = [n["blocks"][0]["text"]["text"] for n in thread_notes(stack)]
    assert notes == [f"<@{ALICE}> added <@{BOB}> as a responder."]
    assert f"<@{BOB}>" in responders_text(stack), "the Slack mention the bot knew is kept"
