"""Publishing on the status page from Post update, end to end over real HTTP (Slack and
Datadog emulators).

The Post update modal shows "Publish on the status page" with the page's components (read
in the background the first time); a publish creates one degradation with the chosen
components, a second one PATCHes it, a publish whose answer was lost makes one degradation,
a resolve with the notice ticked resolves it, and Datadog's 403/404 are told plainly (with
Retry where it can help). Every request body the emulator took deserializes with the
official client's models.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from datadog_api_client.v2.model.create_degradation_request import CreateDegradationRequest
from datadog_api_client.v2.model.patch_degradation_request import PatchDegradationRequest

from bot.domain.incident.journal import EntryKind
from bot.domain.lifecycle.chores import ChoreStep
from bot.emulators.card_driver import initial_values, press_card
from bot.emulators.datadog.validate import model_error
from bot.emulators.personas import ALICE, BOB, INCIDENTS
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
from tests.card_actions import card_message, thread_notes, wait_for
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


def open_post_update(stack: LocalStack) -> dict[str, Any]:
    before = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, ids.POST_UPDATE_ACTION).status_code == 200
    return stack.opened_view(count=before + 1)


def open_with_section(stack: LocalStack) -> dict[str, Any]:
    """Post update once the page has been read (the first open starts the read)."""
    view = open_post_update(stack)
    if "Publish on the status page*" in json.dumps(view["blocks"]):
        return view
    pages = stack.services.status_pages
    assert pages is not None
    wait_for(lambda: pages.peek() or pages.problem, what="the page read")
    return open_post_update(stack)


def post(
    stack: LocalStack, text: str, components: list[str], message: str, **changes: str
) -> dict[str, Any]:
    """Post update with "Publish" ticked; the view as it was submitted."""
    view = open_with_section(stack)
    values = initial_values(view)
    values[ids.STATUS_TEXT] = {ids.STATUS_TEXT: text_value(text)}
    values[PUBLISH] = {PUBLISH: options_value(["yes"], "checkboxes")}
    values[COMPONENTS] = {COMPONENTS: options_value(components)}
    values[MESSAGE] = {MESSAGE: text_value(message)}
    if "impact" in changes:
        values[IMPACT] = {IMPACT: option_value(changes["impact"])}
    if "status" in changes:
        values[STATUS] = {STATUS: option_value(changes["status"])}
    response = stack.submit(view, values)
    assert response.json()["response_action"] == "update", response.text
    return view | {"submitted": values}


def notes(stack: LocalStack) -> list[str]:
    shown = [json.dumps(n["blocks"]) for n in thread_notes(stack)]
    return [n for n in shown if "a notice on" in n or "the notice on" in n]


def updates_posted(stack: LocalStack, text: str) -> list[dict[str, Any]]:
    return [m for m in thread_notes(stack) if text in json.dumps(m)]


def bodies_are_official(stack: LocalStack) -> list[str]:
    for method, body in stack.datadog.degradation_bodies:
        model = CreateDegradationRequest if method == "POST" else PatchDegradationRequest
        assert model_error(body, model) is None
    return [method for method, _ in stack.datadog.degradation_bodies]


def test_publish_creates_one_notice_then_changes_it_and_resolve_resolves_it(
    page_stack: tuple[LocalStack, str],
) -> None:
    stack, page_id = page_stack
    first = open_post_update(stack)
    assert "reading the page" in json.dumps(first["blocks"]), "never read: read in background"
    login = stack.datadog.component_id(page_id, "Login")
    search = stack.datadog.component_id(page_id, "Search")
    view = post(
        stack, "Rolled back.", [login, search], "Some people can't log in.", impact="major_outage"
    )
    assert_view_round_trips(
        {k: view[k] for k in ("type", "title", "blocks", "submit", "close", "callback_id")}
    )
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    assert "Application / Login · Operational" in shown and "API / Search" in shown
    wait_for(lambda: notes(stack), what="the publish note")
    wait_for(lambda: updates_posted(stack, "Rolled back."), what="the status update")
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
            and any(b.get("block_id") == ids.NOTICE_BLOCK for b in m["blocks"])
            and m
        ),
        what="the card's link to the notice",
    )
    assert_blocks_round_trip(card["blocks"])
    assert f"/status-pages/{page_id}/view|Login failing>" in json.dumps(card["blocks"])

    again = post(
        stack, "Found it.", [login], "We found the cause.", status="identified", impact="degraded"
    )
    assert "Changes the notice published there" in json.dumps(again["blocks"])
    assert "Update the public notice" in json.dumps(again["blocks"])
    wait_for(lambda: len(notes(stack)) == 2, what="the second note")
    (changed,) = stack.datadog.page_degradations(page_id)
    assert changed["id"] == made["id"]
    assert changed["attributes"]["status"] == "identified"
    assert changed["attributes"]["components_affected"] == [
        {"id": login, "name": "Login", "status": "degraded"}
    ]
    assert "updated the notice" in notes(stack)[1]
    assert bodies_are_official(stack) == ["POST", "PATCH"]
    incident_id = stack.services.cards.open_cards()[0].incident_id
    entries = stack.services.journal.entries(incident_id)
    assert [e.text for e in entries if e.kind == "notice_published"] == [
        "Some people can't log in.",
        "We found the cause.",
    ]

    opened = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, ids.RESOLVE_ACTION).status_code == 200
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
    wait_for(lambda: len(notes(stack)) == 3, what="the resolve's note")
    assert "Resolved \\u00b7 Login: Operational" in notes(stack)[2]


def test_a_publish_whose_answer_was_lost_makes_one_notice(
    page_stack: tuple[LocalStack, str],
) -> None:
    stack, page_id = page_stack
    stack.datadog.inject("POST /api/v2/statuspages/{p}/degradations", lose_response=True)
    login = stack.datadog.component_id(page_id, "Login")
    view = post(stack, "Looking.", [login], "Looking into it.")
    wait_for(lambda: notes(stack), what="the publish note")
    assert len(stack.datadog.page_degradations(page_id)) == 1
    assert len(stack.datadog.calls(f"/api/v2/statuspages/{page_id}/degradations", "POST")) == 1
    assert stack.datadog.calls("/api/v2/statuspages/degradations", "GET"), "looked first"
    wait_for(lambda: updates_posted(stack, "Looking."), what="the status update")
    assert stack.submit(view, view["submitted"]).status_code == 200  # Slack redelivers
    assert len(notes(stack)) == 1 and len(stack.datadog.page_degradations(page_id)) == 1
    assert len(updates_posted(stack, "Looking.")) == 1


def test_a_key_without_the_permission_is_told_with_retry(
    page_stack: tuple[LocalStack, str],
) -> None:
    stack, page_id = page_stack
    stack.datadog.permissions.discard("status_pages_incident_write")
    post(stack, "Looking.", [stack.datadog.component_id(page_id, "Login")], "Looking into it.")
    notice = wait_for(
        lambda: [
            m
            for m in stack.slack.ephemerals(INCIDENTS)
            if m["user"] == ALICE and "status page" in json.dumps(m)
        ],
        what="the failure notice",
    )[-1]
    shown = json.dumps(notice["blocks"])
    assert "publish on the status page" in shown and "403" in shown
    assert "status_pages_incident_write" in shown and ids.CHORE_RETRY_ACTION in shown
    assert stack.datadog.page_degradations(page_id) == []
    wait_for(lambda: updates_posted(stack, "Looking."), what="the status update, posted anyway")
    stack.datadog.permissions.add("status_pages_incident_write")
    chore_key = notice["blocks"][1]["elements"][0]["value"]
    payload = block_actions(
        ids.CHORE_RETRY_ACTION,
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


def test_a_bad_field_is_answered_under_it_and_nothing_is_stored(
    page_stack: tuple[LocalStack, str],
) -> None:
    stack, page_id = page_stack
    view = open_with_section(stack)
    values = initial_values(view)
    values[ids.STATUS_TEXT] = {ids.STATUS_TEXT: text_value("Rolled back; watching.")}
    values[PUBLISH] = {PUBLISH: options_value(["yes"], "checkboxes")}
    values[COMPONENTS] = {COMPONENTS: options_value([stack.datadog.component_id(page_id, "Login")])}
    refused = stack.submit(view, values)
    assert refused.json() == {"response_action": "errors", "errors": {MESSAGE: NO_MESSAGE}}
    assert stack.services.chores.store.pending_chores() == []
    assert not updates_posted(stack, "Rolled back; watching."), "the update waits for the fix"


def test_left_unticked_publishes_nothing(page_stack: tuple[LocalStack, str]) -> None:
    stack, page_id = page_stack
    view = open_with_section(stack)
    values = initial_values(view)
    values[ids.STATUS_TEXT] = {ids.STATUS_TEXT: text_value("Still looking.")}
    assert stack.submit(view, values).json()["response_action"] == "update"
    wait_for(lambda: updates_posted(stack, "Still looking."), what="the status update")
    assert stack.datadog.page_degradations(page_id) == [] and notes(stack) == []


def test_a_missing_page_is_said_in_the_modal() -> None:
    with LocalStack(env={"DECLARE_STATUS_PAGE": "00000000-0000-0000-0000-00000000dead"}) as stack:
        stack.declare("Login failing", severity="SEV-2", commander=BOB)
        stack.wait_done()
        shown = json.dumps(open_with_section(stack)["blocks"])
        assert "Datadog has no status page 00000000-0000-0000-0000-00000000dead" in shown
        assert "DECLARE_STATUS_PAGE" in shown and PUBLISH not in shown


def test_without_a_status_page_nothing_of_it_shows(stack: LocalStack) -> None:
    stack.declare("Login failing", severity="SEV-2", commander=BOB)
    stack.wait_done()
    assert "status page" not in json.dumps(open_post_update(stack)["blocks"]).lower()
    opened = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, ids.RESOLVE_ACTION).status_code == 200
    assert RESOLVE_NOTICE not in json.dumps(stack.opened_view(count=opened + 1))


def test_the_journal_keeps_a_publish_whose_thread_note_slack_refuses(
    page_stack: tuple[LocalStack, str],
) -> None:
    """The journal entry is written first: a note Slack refuses for good (the thread is
    gone) does not lose the publish from the incident's record."""
    stack, page_id = page_stack
    stack.slack.inject("chat.postMessage", "thread_not_found", times=10)
    login = stack.datadog.component_id(page_id, "Login")
    post(stack, "Looking.", [login], "Looking into it <!channel>.")
    wait_for(lambda: stack.datadog.page_degradations(page_id), what="the notice")
    (card,) = stack.services.cards.open_cards()
    entries = wait_for(
        lambda: [
            e
            for e in stack.services.journal.entries(card.incident_id)
            if e.kind is EntryKind.NOTICE_PUBLISHED
        ],
        what="the journal entry",
    )
    assert entries[0].text == "Looking into it <!channel>." and entries[0].actor_id == ALICE
    assert notes(stack) == []
