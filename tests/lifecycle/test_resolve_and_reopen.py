"""Resolve (a note, the customer impact's end) and Reopen from the card, over real HTTP."""

from __future__ import annotations

import json
from datetime import datetime

from bot.emulators.personas import ALICE, BOB
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import POSTMORTEM_BLOCK, REOPEN_ACTION, RESOLVE_ACTION, UPDATE_ACTION
from tests.card_actions import (
    buttons,
    card_text,
    open_modal,
    press_card,
    thread_notes,
    wait_for,
    with_changes,
)
from tests.oracles import assert_blocks_round_trip


def test_resolve_with_a_note_and_the_impact_end_then_reopen(stack: LocalStack) -> None:
    stack.declare("Payments down", severity="SEV-2", commander=BOB, impacted=True, scope="EU")
    stack.wait_done()
    view = open_modal(stack, RESOLVE_ACTION)
    assert any(b["block_id"] == "impact_end" for b in view["blocks"])
    values = with_changes(view, resolution_note="Rolled back <!here>")
    # about resolve and reopen alone: no postmortem note in the thread (tests/record/)
    values[POSTMORTEM_BLOCK] = {POSTMORTEM_BLOCK: {"type": "checkboxes", "selected_options": []}}
    response = stack.submit(view, values)
    assert response.status_code == 200, response.text
    wait_for(lambda: thread_notes(stack), what="the resolve note")

    (body,) = stack.datadog.updated_bodies()
    attributes = body["data"]["attributes"]
    assert attributes["fields"] == {"state": {"type": "dropdown", "value": "resolved"}}
    ended = datetime.fromisoformat(attributes["customer_impact_end"].replace("Z", "+00:00"))
    assert abs(ended.timestamp() - view["blocks"][1]["element"]["initial_date_time"]) < 1
    (incident,) = stack.datadog.incidents.values()
    assert incident["attributes"]["fields"]["state"]["value"] == "resolved"

    assert "✅" in card_text(stack)
    assert REOPEN_ACTION in buttons(stack) and RESOLVE_ACTION not in buttons(stack)
    (note,) = thread_notes(stack)
    shown = json.dumps(note["blocks"], ensure_ascii=False)
    assert f"<@{ALICE}> updated IR-1" in shown
    assert "resolved the incident: Rolled back &lt;!here&gt;" in shown
    assert "set the customer impact end to" in shown
    assert "<!here>" not in json.dumps(note)

    assert press_card(stack, REOPEN_ACTION, user=BOB).status_code == 200
    wait_for(lambda: len(thread_notes(stack)) == 2, what="the reopen note")
    assert stack.datadog.updated_bodies()[-1]["data"]["attributes"] == {
        "fields": {"state": {"type": "dropdown", "value": "active"}}
    }
    assert RESOLVE_ACTION in buttons(stack) and "Active" in card_text(stack)
    assert f"<@{BOB}> reopened the incident" in json.dumps(thread_notes(stack)[-1]["blocks"])
    for message in stack.slack.messages("C0INCIDENTS"):
        assert_blocks_round_trip(message["blocks"])


def test_resolving_without_customer_impact_asks_no_end_and_sends_none(stack: LocalStack) -> None:
    stack.declare("Batch job late", severity="SEV-3", commander=BOB)
    stack.wait_done()
    view = open_modal(stack, RESOLVE_ACTION)
    # the postmortem's box (bot/slack/record/postmortem_actions.py) follows the resolve's own
    assert [b["block_id"] for b in view["blocks"]] == ["resolution_note", POSTMORTEM_BLOCK]
    stack.submit(view, with_changes(view))
    wait_for(lambda: thread_notes(stack), what="the resolve note")
    (body,) = stack.datadog.updated_bodies()
    assert "customer_impact_end" not in body["data"]["attributes"]
    assert f"<@{ALICE}> resolved the incident" in json.dumps(
        thread_notes(stack)[0]["blocks"], ensure_ascii=False
    )


def test_the_state_can_be_set_from_the_update_modal(stack: LocalStack) -> None:
    stack.declare("Cache cold", severity="SEV-3", commander=BOB)
    stack.wait_done()
    view = open_modal(stack, UPDATE_ACTION)
    stack.submit(view, with_changes(view, state="stable"))
    wait_for(lambda: thread_notes(stack), what="the note")
    assert "Stable" in card_text(stack)
    assert "changed state active → stable" in json.dumps(
        thread_notes(stack)[0]["blocks"], ensure_ascii=False
    )


def test_a_card_sent_by_dm_is_updated_there(stack: LocalStack) -> None:
    """The channel refused the announcement, so the card went to the declarer's DM."""
    stack.declare("Vault sealed", severity="SEV-2", commander=BOB, channel="G0PRIVATE")
    stack.wait_done()
    dm_channel = stack.services.store.all()[0].announce_channel
    assert dm_channel is not None
    view = open_modal(stack, UPDATE_ACTION, channel=dm_channel)
    stack.submit(view, with_changes(view, severity="SEV-1"))
    wait_for(lambda: thread_notes(stack, ALICE), what="the note in the DM thread")
    assert "SEV-1" in card_text(stack, ALICE)
