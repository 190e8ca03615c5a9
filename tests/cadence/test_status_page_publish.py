"""Publishing on the status page, end to end over real HTTP (Slack and Datadog emulators).

The card's Status page button opens the Publish modal with the page's components; a
publish creates one degradation with the chosen components, a second one PATCHes it, a
publish whose answer was lost makes one degradation, a resolve with the notice ticked
resolves it, and Datadog's 403/404 are told plainly (with Retry where it can help). Every
request body the emulator took deserializes with the official client's models.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from datadog_api_client.v2.model.create_degradation_request import CreateDegradationRequest
from datadog_api_client.v2.model.patch_degradation_request import PatchDegradationRequest

from bot.domain.lifecycle.chores import ChoreStep
from bot.emulators.card_driver import initial_values, press_card
from bot.emulators.datadog.validate import model_error
from bot.emulators.personas import ALICE, BOB, CAROL, INCIDENTS
from bot.emulators.slack.inbound import block_actions, option_value, options_value, text_value
from bot.emulators.stack import LocalStack
from bot.slack.cadence.resolve_notice import RESOLVE_NOTICE
from bot.slack.cadence.status_page_section import (
    COMPONENTS,
    IMPACT,
    MESSAGE,
    NO_MESSAGE,
    PUBLISH,
    STATUS,
)
from bot.slack.common import ids
from bot.slack.common.ids import (
    CHORE_RETRY_ACTION,
    NOTICE_BLOCK,
    PUBLISH_ACTION,
    RESOLVE_ACTION,
)
from tests.card_actions import buttons, card_message, thread_notes, wait_for
from tests.oracles import assert_blocks_round_trip, assert_view_round_trips

GROUPS = {"Application": ["Login", "Settings"], "API": ["Search"]}


@pytest.fixture
def page_stack() -> Iterator[tuple[LocalStack, str]]:
    stack = LocalStack()
    page_id = stack.datadog.add_status_page("Acme status", GROUPS)
    stack.env["DECLARE_STATUS_PAGE"] = page_id
    with stack:
        stack.declare("Login failing", severity="SEV-2", commander=BOB)
        stack.wait_done()
        yield stack, page_id


def open_publish(stack: LocalStack, user: str = ALICE) -> dict[str, Any]:
    """Press Status page; the modal once it shows the section (read, or from the cache)."""
    opened = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, PUBLISH_ACTION, user=user).status_code == 200
    view = stack.opened_view(count=opened + 1)
    return wait_for(
        lambda: (v := stack.current_view(view["id"])).get("submit") and v,
        what="the section in the Publish modal",
    )


def publish(
    stack: LocalStack, components: list[str], message: str, **changes: str
) -> dict[str, Any]:
    view = open_publish(stack)
    values = initial_values(view)
    values[COMPONENTS] = {COMPONENTS: options_value(components)}
    values[MESSAGE] = {MESSAGE: text_value(message)}
    if "impact" in changes:
        values[IMPACT] = {IMPACT: option_value(changes["impact"])}
    if "status" in changes:
        values[STATUS] = {STATUS: option_value(changes["status"])}
    response = stack.submit(view, values)
    assert response.status_code == 200, response.text
    return view


def notes(stack: LocalStack) -> list[str]:
    shown = [json.dumps(n["blocks"]) for n in thread_notes(stack)]
    return [n for n in shown if "a notice on" in n or "the notice on" in n]


def bodies_are_official(stack: LocalStack) -> list[str]:
    for method, body in stack.datadog.degradation_bodies:
        model = CreateDegradationRequest if method == "POST" else PatchDegradationRequest
        assert model_error(body, model) is None
    return [method for method, _ in stack.datadog.degradation_bodies]


def test_publish_creates_one_notice_then_changes_it_and_resolve_resolves_it(
    page_stack: tuple[LocalStack, str],
) -> None:
    stack, page_id = page_stack
    assert PUBLISH_ACTION in buttons(stack)
    login, search = (
        stack.datadog.component_id(page_id, "Login"),
        stack.datadog.component_id(page_id, "Search"),
    )
    view = publish(stack, [login, search], "Some people can't log in.", impact="major_outage")
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    assert "Application / Login · Operational" in shown and "API / Search" in shown
    wait_for(lambda: notes(stack), what="the publish note")
    (made,) = stack.datadog.page_degradations(page_id)
    attrs = made["attributes"]
    assert attrs["title"] == "Login failing" and attrs["status"] == "investigating"
    assert attrs["description"] == "Some people can't log in."
    assert {(c["name"], c["status"]) for c in attrs["components_affected"]} == {
        ("Login", "major_outage"),
        ("Search", "major_outage"),
    }
    card = wait_for(
        lambda: (
            (m := card_message(stack))
            and any(b.get("block_id") == NOTICE_BLOCK for b in m["blocks"])
            and m
        ),
        what="the card's link to the notice",
    )
    assert_blocks_round_trip(card["blocks"])
    assert f"/status-pages/{page_id}/view|Login failing>" in json.dumps(card["blocks"])

    again = publish(stack, [login], "We found the cause.", status="identified", impact="degraded")
    assert "Changes the notice published there" in json.dumps(again["blocks"])
    wait_for(lambda: len(notes(stack)) == 2, what="the second note")
    (changed,) = stack.datadog.page_degradations(page_id)
    assert changed["id"] == made["id"]
    assert changed["attributes"]["status"] == "identified"
    assert changed["attributes"]["components_affected"] == [
        {"id": login, "name": "Login", "status": "degraded"}
    ]
    assert "updated the notice" in notes(stack)[1]
    assert bodies_are_official(stack) == ["POST", "PATCH"]
    entries = stack.services.journal.entries(made_incident(stack))
    assert [e.text for e in entries if e.kind == "notice_published"] == [
        "Some people can't log in.",
        "We found the cause.",
    ]

    opened = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, RESOLVE_ACTION).status_code == 200
    resolve = stack.opened_view(count=opened + 1)
    values = initial_values(resolve)
    assert values[RESOLVE_NOTICE][RESOLVE_NOTICE]["selected_options"], "ticked by default"
    assert stack.submit(resolve, values).status_code == 200
    wait_for(
        lambda: stack.datadog.page_degradations(page_id)[0]["attributes"]["status"] == "resolved",
        what="the notice resolved",
    )
    (resolved,) = stack.datadog.page_degradations(page_id)
    assert resolved["attributes"]["components_affected"][0]["status"] == "operational"
    assert bodies_are_official(stack) == ["POST", "PATCH", "PATCH"]
    wait_for(lambda: PUBLISH_ACTION not in buttons(stack), what="the resolved card")


def made_incident(stack: LocalStack) -> str:
    return stack.services.cards.open_cards()[0].incident_id


def test_a_publish_whose_answer_was_lost_makes_one_notice(
    page_stack: tuple[LocalStack, str],
) -> None:
    stack, page_id = page_stack
    stack.datadog.inject("POST /api/v2/statuspages/{p}/degradations", lose_response=True)
    login = stack.datadog.component_id(page_id, "Login")
    view = publish(stack, [login], "Looking into it.")
    wait_for(lambda: notes(stack), what="the publish note")
    assert len(stack.datadog.page_degradations(page_id)) == 1
    assert len(stack.datadog.calls(f"/api/v2/statuspages/{page_id}/degradations", "POST")) == 1
    assert stack.datadog.calls("/api/v2/statuspages/degradations", "GET"), "looked first"
    again = stack.submit(view, initial_values(view) | {MESSAGE: {MESSAGE: text_value("x")}})
    assert again.status_code == 200  # the same view (id, hash) redelivered: nothing new
    assert len(notes(stack)) == 1 and len(stack.datadog.page_degradations(page_id)) == 1


def test_a_key_without_the_permission_is_told_with_retry(
    page_stack: tuple[LocalStack, str],
) -> None:
    stack, page_id = page_stack
    stack.datadog.permissions.discard("status_pages_incident_write")
    publish(stack, [stack.datadog.component_id(page_id, "Login")], "Looking into it.")
    notice = wait_for(
        lambda: [m for m in stack.slack.ephemerals(INCIDENTS) if m["user"] == ALICE],
        what="the failure notice",
    )[-1]
    shown = json.dumps(notice["blocks"])
    assert "publish on the status page" in shown and "403" in shown
    assert "status_pages_incident_write" in shown and CHORE_RETRY_ACTION in shown
    assert stack.datadog.page_degradations(page_id) == []
    stack.datadog.permissions.add("status_pages_incident_write")
    chore_key = notice["blocks"][1]["elements"][0]["value"]
    payload = block_actions(
        CHORE_RETRY_ACTION,
        chore_key,
        user_id=ALICE,
        channel_id=INCIDENTS,
        response_url=stack.slack.response_url(),
        trigger_id=stack.slack.issue_trigger(),
    )
    assert stack.caller.interact(payload).status_code == 200
    wait_for(
        lambda: stack.services.chores.store.get_chore(chore_key).step is ChoreStep.DONE,
        what="the retried publish",
    )
    assert len(stack.datadog.page_degradations(page_id)) == 1 and len(notes(stack)) == 1


def test_a_missing_page_is_said_in_the_modal() -> None:
    with LocalStack(env={"DECLARE_STATUS_PAGE": "00000000-0000-0000-0000-00000000dead"}) as stack:
        stack.declare("Login failing", severity="SEV-2", commander=BOB)
        stack.wait_done()
        opened = len(stack.slack.calls("/api/views.open"))
        assert press_card(stack, PUBLISH_ACTION).status_code == 200
        view = stack.opened_view(count=opened + 1)
        told = wait_for(
            lambda: "no status page" in json.dumps(stack.current_view(view["id"])),
            what="the reason in the modal",
        )
        assert told
        shown = json.dumps(stack.current_view(view["id"]))
        assert "DECLARE_STATUS_PAGE" in shown and not stack.current_view(view["id"]).get("submit")


def test_without_a_status_page_the_card_has_no_button(stack: LocalStack) -> None:
    stack.declare("Login failing", severity="SEV-2", commander=BOB)
    stack.wait_done()
    assert PUBLISH_ACTION not in buttons(stack)
    opened = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, RESOLVE_ACTION).status_code == 200
    assert RESOLVE_NOTICE not in json.dumps(stack.opened_view(count=opened + 1))


def test_who_may_publish_is_the_one_access_policy() -> None:
    """CAROL is not in the private #war-room: her press and her submission are refused with
    the action's name; nothing reaches the page."""
    from tests.access.test_who_may_see_and_change import WAR_ROOM, add_people

    stack = LocalStack()
    page_id = stack.datadog.add_status_page()
    stack.env["DECLARE_STATUS_PAGE"] = page_id
    with stack:
        add_people(stack)
        stack.declare("Customer data exposure", channel=WAR_ROOM)
        stack.wait_done()
        views = len(stack.slack.views)
        press_card(stack, PUBLISH_ACTION, user=CAROL, channel=WAR_ROOM)
        wait_for(lambda: len(stack.slack.views) > views, what="the refusal")
        refusal = json.dumps(list(stack.slack.views.values())[-1]["blocks"])
        assert "You can't publish IR-" in refusal
        view = open_publish_in(stack, WAR_ROOM)
        values = initial_values(view) | {
            COMPONENTS: {COMPONENTS: options_value([stack.datadog.component_id(page_id, "Login")])},
            MESSAGE: {MESSAGE: text_value("On it.")},
        }
        answer = stack.submit(view, values, user=CAROL)
        assert answer.status_code == 200
        assert answer.json()["response_action"] == "update"
        assert "You can't publish IR-" in json.dumps(answer.json()["view"])
        assert stack.datadog.page_degradations(page_id) == []


def open_publish_in(stack: LocalStack, channel: str) -> dict[str, Any]:
    opened = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, PUBLISH_ACTION, channel=channel).status_code == 200
    view = stack.opened_view(count=opened + 1)
    return wait_for(
        lambda: (v := stack.current_view(view["id"])).get("submit") and v,
        what="the section in the Publish modal",
    )


def open_post_update(stack: LocalStack) -> dict[str, Any]:
    before = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, ids.POST_UPDATE_ACTION).status_code == 200
    return stack.opened_view(count=before + 1)


def test_post_update_publishes_with_the_status_update_once(
    page_stack: tuple[LocalStack, str],
) -> None:
    """The Post update modal's section: the page read in the background when first opened,
    then shown; ticked with a bad field, nothing is stored and the field says why; ticked
    and filled, one status update and one notice, once though Slack redelivers."""
    stack, page_id = page_stack
    first = open_post_update(stack)
    assert "reading the page" in json.dumps(first["blocks"])
    wait_for(lambda: stack.services.status_pages.peek(), what="the page read")  # type: ignore[union-attr]
    view = open_post_update(stack)
    assert_view_round_trips(
        {k: view[k] for k in ("type", "title", "blocks", "submit", "close", "callback_id")}
    )
    assert "Publish on the status page" in json.dumps(view["blocks"])
    values = initial_values(view)
    values[ids.STATUS_TEXT] = {ids.STATUS_TEXT: text_value("Rolled back; watching.")}
    values[PUBLISH] = {PUBLISH: options_value(["yes"], "checkboxes")}
    login = stack.datadog.component_id(page_id, "Login")
    values[COMPONENTS] = {COMPONENTS: options_value([login])}
    refused = stack.submit(view, values)
    assert refused.json() == {"response_action": "errors", "errors": {MESSAGE: NO_MESSAGE}}
    values[MESSAGE] = {MESSAGE: text_value("Login is back for most people.")}
    assert stack.submit(view, values).json()["response_action"] == "update"
    assert stack.submit(view, values).status_code == 200  # a redelivery
    wait_for(lambda: notes(stack), what="the publish note")
    wait_for(
        lambda: [m for m in thread_notes(stack) if "Rolled back; watching." in json.dumps(m)],
        what="the status update",
    )
    (made,) = stack.datadog.page_degradations(page_id)
    assert made["attributes"]["description"] == "Login is back for most people."
    assert made["attributes"]["components_affected"][0]["status"] == "degraded"
    assert bodies_are_official(stack) == ["POST"] and len(notes(stack)) == 1


def test_post_update_left_unticked_publishes_nothing(page_stack: tuple[LocalStack, str]) -> None:
    stack, page_id = page_stack
    open_post_update(stack)
    wait_for(lambda: stack.services.status_pages.peek(), what="the page read")  # type: ignore[union-attr]
    view = open_post_update(stack)
    values = initial_values(view)
    values[ids.STATUS_TEXT] = {ids.STATUS_TEXT: text_value("Still looking.")}
    assert stack.submit(view, values).json()["response_action"] == "update"
    wait_for(
        lambda: [m for m in thread_notes(stack) if "Still looking." in json.dumps(m)],
        what="the status update",
    )
    assert stack.datadog.page_degradations(page_id) == [] and notes(stack) == []
