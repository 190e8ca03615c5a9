"""Update from the card over real HTTP: the modal opens at once, then shows Datadog's now;
only changed fields are PATCHed; the card is edited in place; one thread note says who did
what; a concurrent change in Datadog survives; a clash is shown, not overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from datadog_api_client.v2.model.incident_update_request import IncidentUpdateRequest

from bot.emulators.datadog.validate import model_error
from bot.emulators.personas import ALICE, BOB, CAROL, DAVE, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import UPDATE_ACTION
from tests.card_actions import (
    card_message,
    card_text,
    open_modal,
    thread_notes,
    wait_for,
    with_changes,
)
from tests.oracles import assert_blocks_round_trip, assert_view_round_trips


@pytest.fixture
def declared() -> Iterator[LocalStack]:
    with LocalStack() as stack:
        stack.declare("Checkout API 5xx", severity="SEV-2", commander=BOB)
        stack.wait_done()
        yield stack


def incident(stack: LocalStack) -> dict:  # type: ignore[type-arg]
    (found,) = stack.datadog.incidents.values()
    return found


def patches(stack: LocalStack) -> list[dict]:  # type: ignore[type-arg]
    return stack.datadog.updated_bodies()


def test_the_announcement_is_a_live_card_with_update_and_resolve(declared: LocalStack) -> None:
    message = card_message(declared)
    shown = json.dumps(message["blocks"])
    assert "Update" in shown and "Resolve" in shown and "Active" in shown
    assert_blocks_round_trip(message["blocks"])
    (card,) = declared.services.cards.open_cards()
    assert card.ts == message["ts"] and card.channel == INCIDENTS


def test_update_severity(declared: LocalStack) -> None:
    view = open_modal(declared, UPDATE_ACTION)
    assert_view_round_trips(
        {
            k: v
            for k, v in view.items()
            if k
            in ("type", "callback_id", "title", "submit", "close", "private_metadata", "blocks")
        }
    )
    opened = declared.slack.calls("/api/views.open")[-1].received_at
    fetched = [
        r for r in declared.datadog.requests if r.method == "GET" and "/incidents/" in r.path
    ]
    assert fetched and opened < fetched[-1].received_at, "views.open never waits for Datadog"
    response = declared.submit(view, with_changes(view, severity="SEV-1"), user=ALICE)
    assert response.status_code == 200, response.text
    wait_for(lambda: thread_notes(declared), what="the thread note")
    (body,) = patches(declared)
    assert body["data"]["attributes"] == {
        "fields": {"severity": {"type": "dropdown", "value": "SEV-1"}}
    }
    assert "relationships" not in body["data"]
    assert model_error(body, IncidentUpdateRequest) is None  # the official client's model
    assert "SEV-1" in card_text(declared)
    assert len(declared.slack.messages(INCIDENTS)) == 3, "card, reply, one note: never re-posted"
    (note,) = thread_notes(declared)
    assert f"<@{ALICE}> changed severity SEV-2 → SEV-1" in json.dumps(
        note["blocks"], ensure_ascii=False
    )
    assert_blocks_round_trip(note["blocks"])
    assert_blocks_round_trip(card_message(declared)["blocks"])


def test_change_commander(declared: LocalStack) -> None:
    view = open_modal(declared, UPDATE_ACTION)
    declared.submit(view, with_changes(view, commander=ALICE), user=BOB)
    wait_for(lambda: thread_notes(declared), what="the thread note")
    (body,) = patches(declared)
    assert body["data"]["relationships"]["commander_user"]["data"]["id"] == declared.users[ALICE]
    assert "attributes" not in body["data"]
    assert f"<@{ALICE}>" in card_text(declared)
    (note,) = thread_notes(declared)
    assert "changed the commander bob.oncall@example.com → Alice Ops" in json.dumps(
        note["blocks"], ensure_ascii=False
    )


@pytest.mark.parametrize("person", [CAROL, DAVE])
def test_a_commander_without_a_datadog_user_is_refused_under_the_field(
    declared: LocalStack, person: str
) -> None:
    view = open_modal(declared, UPDATE_ACTION)
    response = declared.submit(view, with_changes(view, commander=person), user=ALICE)
    assert response.json()["response_action"] == "errors"
    assert "commander" in response.json()["errors"]
    assert patches(declared) == []


def test_a_change_in_datadog_to_another_field_survives(declared: LocalStack) -> None:
    view = open_modal(declared, UPDATE_ACTION)
    declared.datadog.edit_incident(
        incident(declared)["id"], by=declared.users[BOB], attributes={"title": "Renamed in Datadog"}
    )
    declared.submit(view, with_changes(view, severity="SEV-1"), user=ALICE)
    wait_for(lambda: thread_notes(declared), what="the thread note")
    (body,) = patches(declared)
    assert "title" not in body["data"]["attributes"]
    attributes = incident(declared)["attributes"]
    assert attributes["title"] == "Renamed in Datadog"
    assert attributes["fields"]["severity"]["value"] == "SEV-1"


def test_a_conflicting_change_is_shown_not_overwritten(declared: LocalStack) -> None:
    view = open_modal(declared, UPDATE_ACTION)
    declared.datadog.edit_incident(
        incident(declared)["id"],
        by=declared.users[BOB],
        attributes={"fields": {"severity": {"type": "dropdown", "value": "SEV-3"}}},
    )
    response = declared.submit(view, with_changes(view, severity="SEV-1"), user=ALICE)
    answer = response.json()
    assert answer["response_action"] == "update"
    assert_view_round_trips(answer["view"])
    redrawn = json.dumps(answer["view"])
    assert "Changed in Datadog since you opened this form: it is now SEV-3" in redrawn
    assert patches(declared) == []
    assert incident(declared)["attributes"]["fields"]["severity"]["value"] == "SEV-3"


def test_the_same_update_delivered_twice_is_one_patch_and_one_note(declared: LocalStack) -> None:
    view = open_modal(declared, UPDATE_ACTION)
    values = with_changes(view, severity="SEV-1")
    first = declared.submit(view, values, user=ALICE)
    second = declared.submit(view, values, user=ALICE)
    assert first.status_code == second.status_code == 200
    wait_for(lambda: thread_notes(declared), what="the thread note")
    other = open_modal(declared, UPDATE_ACTION, user=BOB)
    declared.submit(other, with_changes(view, severity="SEV-1"), user=BOB)  # the same change
    import time

    time.sleep(0.5)
    assert len(patches(declared)) == 1
    assert len(thread_notes(declared)) == 1


def test_a_person_outside_the_allowlist_is_refused_at_submit() -> None:
    with LocalStack(env={"DECLARE_ALLOWED_USERGROUPS": "S0ONCALL"}) as stack:
        stack.slack.add_usergroup("S0ONCALL", "oncall", [BOB])
        stack.declare("DB down", severity="SEV-2", commander=BOB, user=BOB)
        stack.wait_done()
        view = open_modal(stack, UPDATE_ACTION, user=BOB)  # Bob may: the modal opens
        response = stack.submit(view, with_changes(view, severity="SEV-1"), user=ALICE)
        answer = response.json()
        assert answer["response_action"] == "errors"
        assert "Only members of group S0ONCALL" in json.dumps(answer["errors"])
        assert stack.datadog.updated_bodies() == []
        assert "SEV-1" not in card_text(stack)


def test_the_types_own_fields_are_shown_and_only_a_changed_one_is_sent() -> None:
    with LocalStack() as stack:
        stack.datadog.add_field(
            "team",
            "dropdown",
            valid_values=[{"value": "payments"}, {"value": "checkout"}],
            default_value="payments",
        )
        stack.datadog.add_field(
            "regions", "multiselect", valid_values=[{"value": "eu"}, {"value": "us"}]
        )
        stack.services.org_config.refresh()
        stack.declare("Cart empty", severity="SEV-2", commander=BOB)
        stack.wait_done()
        view = open_modal(stack, UPDATE_ACTION)
        blocks = {b["block_id"]: b for b in view["blocks"]}
        assert blocks["udf:team"]["element"]["initial_option"]["value"] == "payments"
        values = with_changes(view)
        values["udf:team"] = {
            "udf:team": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "checkout"},
                    "value": "checkout",
                },
            }
        }
        stack.submit(view, values)
        wait_for(lambda: thread_notes(stack), what="the note")
        (body,) = stack.datadog.updated_bodies()
        assert body["data"]["attributes"] == {
            "fields": {"team": {"type": "dropdown", "value": "checkout"}}
        }
        assert "changed Team payments → checkout" in json.dumps(
            thread_notes(stack)[0]["blocks"], ensure_ascii=False
        )
