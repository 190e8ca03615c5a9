"""Two people change the same field, over real HTTP: Alice's PATCH is slow; Bob, who opened
Update before it landed, submits his value while it is in flight (Datadog still says what
Bob's form showed, so the submit accepts it). Under the card's lease Bob's change is judged
again: his field is not sent, the thread never claims a value that was not there, and Bob
is told who set what. History: before, Bob's PATCH silently replaced Alice's and the note
said "SEV-3 → SEV-4" when SEV-1 was replaced (issue 20 §2).
"""

from __future__ import annotations

import json
from typing import Any

from bot.emulators.personas import ALICE, BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import UPDATE_ACTION
from tests.card_actions import card_text, open_modal, thread_notes, wait_for, with_changes
from tests.oracles import assert_blocks_round_trip

PATCH = "PATCH /api/v2/incidents/{incident_id}"


def incident(stack: LocalStack) -> dict[str, Any]:
    (found,) = stack.datadog.incidents.values()
    return dict(found)


def severity_in_datadog(stack: LocalStack) -> str:
    return str(incident(stack)["attributes"]["fields"]["severity"]["value"])


def notes_text(stack: LocalStack) -> list[str]:
    return [json.dumps(n["blocks"], ensure_ascii=False) for n in thread_notes(stack)]


def told(stack: LocalStack, user: str) -> list[dict[str, Any]]:
    return [m for m in stack.slack.ephemerals(INCIDENTS) if m["user"] == user]


def bob_submits_while_alices_patch_is_in_flight(
    stack: LocalStack, **bobs_changes: Any
) -> dict[str, Any]:
    """SEV-3 declared; Bob opens Update; Alice sets SEV-1 (PATCH slow); Bob submits while
    Datadog still says SEV-3. Returns Bob's modal once both jobs are finished."""
    stack.declare("Search slow", severity="SEV-3", commander=BOB)
    stack.wait_done()
    bobs = open_modal(stack, UPDATE_ACTION, user=BOB)
    stack.datadog.inject(PATCH, delay=1.5)
    alices = open_modal(stack, UPDATE_ACTION, user=ALICE)
    stack.submit(alices, with_changes(alices, severity="SEV-1"), user=ALICE)
    wait_for(lambda: "SEV-1" in card_text(stack), what="Alice's change on the card", timeout=1.2)
    assert severity_in_datadog(stack) == "SEV-3", "Alice's PATCH is still in flight"

    answer = stack.submit(bobs, with_changes(bobs, **bobs_changes), user=BOB).json()
    assert answer["response_action"] == "update", "accepted: Datadog still said SEV-3"
    assert "Changed in Datadog" not in json.dumps(answer)
    wait_for(
        lambda: len(stack.services.cards.pending_updates()) == 0 and stack.datadog.updated_bodies(),
        what="both updates finished",
        timeout=15,
    )
    return bobs


def test_a_change_to_a_field_someone_changed_meanwhile_is_not_sent_and_its_person_is_told(
    stack: LocalStack,
) -> None:
    bobs = bob_submits_while_alices_patch_is_in_flight(stack, severity="SEV-4")

    (body,) = stack.datadog.updated_bodies()
    assert body["data"]["attributes"] == {
        "fields": {"severity": {"type": "dropdown", "value": "SEV-1"}}
    }, "Bob's SEV-4 was never sent"
    assert severity_in_datadog(stack) == "SEV-1"
    assert "SEV-1" in card_text(stack)
    (note,) = notes_text(stack)
    assert f"<@{ALICE}> changed severity SEV-3 → SEV-1" in note
    assert "SEV-4" not in note

    expected = (
        f"<@{ALICE}> changed severity to SEV-1 meanwhile (after you opened the form); "
        "your SEV-4 was not sent."
    )
    (notice,) = wait_for(lambda: told(stack, BOB), what="Bob's notice")
    shown = json.dumps(notice["blocks"], ensure_ascii=False)
    assert expected in shown
    assert "Your change to IR-1 was not sent to Datadog" in shown
    assert "press *Update* and make it again" in shown
    assert_blocks_round_trip(notice["blocks"])
    modal = json.dumps(stack.current_view(bobs["id"])["blocks"], ensure_ascii=False)
    assert expected in modal, "Bob's modal, still open, says it too"
    assert told(stack, ALICE) == []


def test_the_note_names_the_value_replaced_and_only_what_was_sent(stack: LocalStack) -> None:
    bob_submits_while_alices_patch_is_in_flight(
        stack, severity="SEV-4", title="Search slow in eu-west-1"
    )

    _, bobs_patch = stack.datadog.updated_bodies()
    assert bobs_patch["data"]["attributes"] == {"title": "Search slow in eu-west-1"}
    assert severity_in_datadog(stack) == "SEV-1"
    assert incident(stack)["attributes"]["title"] == "Search slow in eu-west-1"
    alices_note, bobs_note = notes_text(stack)
    assert "changed severity SEV-3 → SEV-1" in alices_note
    assert f"<@{BOB}> changed the title “Search slow” → “Search slow in eu-west-1”" in bobs_note
    assert "severity" not in bobs_note, "no line for a value Bob did not replace"
    (notice,) = wait_for(lambda: told(stack, BOB), what="Bob's notice")
    shown = json.dumps(notice["blocks"], ensure_ascii=False)
    assert "Part of your change to IR-1 was not sent" in shown
    assert "your SEV-4 was not sent" in shown and "Your other changes were saved." in shown


def test_a_change_made_in_datadog_meanwhile_is_named_as_such(stack: LocalStack) -> None:
    stack.declare("Search slow", severity="SEV-3", commander=BOB)
    stack.wait_done()
    bobs = open_modal(stack, UPDATE_ACTION, user=BOB)
    stack.datadog.inject(PATCH, delay=1.5)
    alices = open_modal(stack, UPDATE_ACTION, user=ALICE)
    stack.submit(alices, with_changes(alices, severity="SEV-1"), user=ALICE)
    wait_for(lambda: "SEV-1" in card_text(stack), what="Alice's change on the card", timeout=1.2)
    stack.submit(bobs, with_changes(bobs, title="Bob's title"), user=BOB)
    # While Bob's job waits for the card, the title is changed in Datadog's own UI.
    stack.datadog.edit_incident(
        incident(stack)["id"], by=stack.users[ALICE], attributes={"title": "Datadog's title"}
    )
    (notice,) = wait_for(lambda: told(stack, BOB), what="Bob's notice", timeout=15)
    shown = json.dumps(notice["blocks"], ensure_ascii=False)
    assert "Someone in Datadog changed the title to “Datadog's title” meanwhile" in shown
    assert "your “Bob's title” was not sent" in shown
    assert len(stack.datadog.updated_bodies()) == 1, "only Alice's PATCH"
    assert incident(stack)["attributes"]["title"] == "Datadog's title"
