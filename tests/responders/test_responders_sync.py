"""Responders changed in Datadog reach the card and its thread with the sync, naming who
added them where Datadog says (the responder's `created_by`); the sync reads an incident's
responders only when its `responders` relationship names others than the card lists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.emulators.personas import ALICE, BOB, INCIDENTS, TEAM
from bot.emulators.slack.inbound import block_actions
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from tests.card_actions import card_message, thread_notes, wait_for
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


def test_a_lost_add_the_sync_found_then_retried_is_one_responder(stack: LocalStack) -> None:
    """The POST lands, its answer is lost, and looking for it fails until the chore gives
    up; the sync then puts BOB on the card; Retry finds him in Datadog (though the card
    lists him already) and does not POST again."""
    incident = next(iter(stack.datadog.incidents))
    tick(stack)
    stack.datadog.inject("POST /api/v2/incidents/{iid}/responders", lose_response=True)
    stack.datadog.inject("GET /api/v2/incidents/{iid}/responders", status=500, times=50)
    assert submit_add(stack, BOB)["response_action"] == "update"
    told = wait_for(
        lambda: [e for e in stack.slack.ephemerals(INCIDENTS) if "Retry" in str(e["blocks"])],
        what="the failure, told",
    )[-1]
    stack.datadog.clear_faults()

    def synced() -> bool:  # a tick skips a card the failing chore still holds: tick again
        tick(stack)
        return "Bob Oncall" in responders_text(stack)

    wait_for(synced, what="the sync's card")
    button = told["blocks"][-1]["elements"][0]
    assert button["action_id"] == ids.CHORE_RETRY_ACTION
    retry = block_actions(
        ids.CHORE_RETRY_ACTION,
        button["value"],
        user_id=ALICE,
        channel_id=INCIDENTS,
        response_url=stack.slack.response_url(),
        trigger_id=stack.slack.issue_trigger(),
        team_id=TEAM,
    )
    assert stack.caller.interact(retry).status_code == 200
    note_with(stack, f"<@{ALICE}> added")
    posts = [c for c in stack.datadog.calls(method="POST") if c.path.endswith("/responders")]
    assert len(posts) == 1
    listed = stack.datadog.responders_of(incident)
    bobs = [r for r in listed if r["relationships"]["user"]["data"]["id"] == stack.users[BOB]]
    assert len(bobs) == 1
    assert responders_text(stack).count("Bob") + responders_text(stack).count(f"<@{BOB}>") == 1
