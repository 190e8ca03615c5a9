"""Responders from the card, end to end over real HTTP: Add responder, Remove responder,
Take command, against the Slack and Datadog emulators.

Every POST body is judged by the official client's `IncidentResponderRequest`; a person
Datadog can't match is refused under the field with nothing sent, as a role deleted in
Datadog is; a POST whose answer was lost is looked for before it is sent again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from datadog_api_client.v2.model.incident_responder_request import IncidentResponderRequest

from bot.domain.incident.journal import EntryKind
from bot.emulators.datadog.validate import model_error
from bot.emulators.personas import ALICE, BOB, CAROL, DAVE
from bot.emulators.slack.inbound import option_value
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from tests.card_actions import (
    card_message,
    card_text,
    open_modal,
    press_card,
    thread_notes,
    wait_for,
)
from tests.oracles import assert_view_round_trips

SCRIBE = "Scribe"


def responder_posts(stack: LocalStack) -> list[Any]:
    return [c for c in stack.datadog.calls(method="POST") if c.path.endswith("/responders")]


def incident_id(stack: LocalStack) -> str:
    return next(iter(stack.datadog.incidents))


def person_values(person: str | None, role_id: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        ids.RESPONDER_PERSON: {
            ids.RESPONDER_PERSON: {"type": "users_select", "selected_user": person}
        }
    }
    if role_id:
        values[ids.RESPONDER_ROLE] = {ids.RESPONDER_ROLE: option_value(role_id)}
    return values


def submit_add(
    stack: LocalStack, person: str | None, role_id: str | None = None, *, user: str = ALICE
) -> dict[str, Any]:
    view = open_modal(stack, ids.ADD_RESPONDER_ACTION, user=user)
    assert view["callback_id"] == ids.ADD_RESPONDER_CALLBACK
    response = stack.submit(view, person_values(person, role_id), user=user)
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def responders_text(stack: LocalStack, channel: str | None = None) -> str:
    message = card_message(stack, channel) if channel else card_message(stack)
    found = [b for b in message["blocks"] if b.get("block_id") == ids.RESPONDERS_BLOCK]
    return found[0]["text"]["text"] if found else ""


def note_with(stack: LocalStack, words: str, channel: str | None = None) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        notes = thread_notes(stack, channel) if channel else thread_notes(stack)
        return next((n for n in notes if words in n["blocks"][0]["text"]["text"]), None)

    found: dict[str, Any] = wait_for(find, what=f"a thread note with {words!r}")
    return found


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        running.datadog.add_role(SCRIBE, description="Keeps the timeline")
        assert running.declare("Checkout API 5xx").status_code == 200
        running.wait_done()
        yield running


def test_add_a_responder_with_a_role(stack: LocalStack) -> None:
    """The modal lists the org's roles; the card lists them under the commander; one note;
    the journal keeps it; the body is the official model's."""
    scribe = next(iter(stack.datadog.roles))
    view = open_modal(stack, ids.ADD_RESPONDER_ACTION)
    role_block = next(b for b in view["blocks"] if b["block_id"] == ids.RESPONDER_ROLE)
    assert [o["text"]["text"] for o in role_block["element"]["options"]] == [SCRIBE]
    answer = stack.submit(view, person_values(BOB, scribe)).json()
    assert answer["response_action"] == "update"
    note = note_with(stack, "as a responder")
    assert note["blocks"][0]["text"]["text"] == (
        f"<@{ALICE}> added <@{BOB}> as a responder ({SCRIBE})."
    )
    wait_for(lambda: f"<@{BOB}>: {SCRIBE}" in responders_text(stack), what="the card")
    assert responders_text(stack).split("\n")[1] == f"• <@{ALICE}>: Commander"
    posts = responder_posts(stack)
    assert len(posts) == 1
    body = posts[0].json()
    assert model_error(body, IncidentResponderRequest) is None
    assert body["data"]["relationships"]["user"]["data"]["id"] == stack.users[BOB]
    assert body["data"]["relationships"]["role_assignments"]["data"][0]["id"] == scribe
    listed = stack.datadog.responders_of(incident_id(stack))
    assert [r["relationships"]["user"]["data"]["id"] for r in listed][-1] == stack.users[BOB]
    entries = wait_for(
        lambda: [
            e
            for e in stack.services.journal.entries(incident_id(stack))
            if e.kind is EntryKind.RESPONDER_ADDED
        ],
        what="the journal entry",
    )
    assert entries[0].actor_id == ALICE and SCRIBE in entries[0].text
    assert len(thread_notes(stack)) == 1
    ended = wait_for(
        lambda: (v := stack.current_view(view["id"]))["title"]["text"] == "Responder added" and v,
        what="the modal's end",
    )
    assert f"Added <@{BOB}> as a responder" in ended["blocks"][0]["text"]["text"]


@pytest.mark.parametrize(
    ("person", "words"),
    [
        (CAROL, "No active Datadog user has the email carol@example.com"),
        (DAVE, "no email on their Slack profile"),
        (None, "Choose the person to add."),
    ],
)
def test_a_person_datadog_cannot_match_is_refused_under_the_field(
    stack: LocalStack, person: str | None, words: str
) -> None:
    answer = submit_add(stack, person)
    assert answer["response_action"] == "errors"
    error = answer["errors"][ids.RESPONDER_PERSON]
    assert words in error and "commander" not in error
    assert responder_posts(stack) == []


def test_a_disabled_datadog_account_is_refused(stack: LocalStack) -> None:
    stack.slack.add_user("U0ERIN", "erin", real_name="Erin Gone", email="erin@example.com")
    stack.datadog.add_user("erin@example.com", "Erin Gone", disabled=True)
    answer = submit_add(stack, "U0ERIN")
    assert "No active Datadog user has the email erin@example.com" in str(answer["errors"])
    assert responder_posts(stack) == []


def test_a_role_that_no_longer_exists_is_refused_under_the_role(stack: LocalStack) -> None:
    scribe = next(iter(stack.datadog.roles))
    view = open_modal(stack, ids.ADD_RESPONDER_ACTION)
    stack.datadog.delete_role(scribe)
    answer = stack.submit(view, person_values(BOB, scribe)).json()
    assert answer == {
        "response_action": "errors",
        "errors": {
            ids.RESPONDER_ROLE: "This role no longer exists in Datadog. Choose another, or none."
        },
    }
    assert responder_posts(stack) == []


def test_the_add_modal_opens_before_datadogs_roles_answer_then_shows_them(
    stack: LocalStack,
) -> None:
    """No roles read yet and Datadog slow to list them: the modal opens at once (the
    trigger lasts 3 s) without a role field, and the roles fill it once Datadog answers."""
    roles = "GET /api/v2/incidents/config/user-defined-roles"
    stack.datadog.slow(roles, 2.0)
    opens = len(stack.slack.calls("/api/views.open"))
    updates = len(stack.slack.calls("/api/views.update"))
    started = time.monotonic()
    assert press_card(stack, ids.ADD_RESPONDER_ACTION).status_code == 200
    opened = stack.opened_view(count=opens + 1)
    assert time.monotonic() - started < 1.0  # it waited 1.2 s for the roles before
    assert [b["block_id"] for b in opened["blocks"] if b["type"] == "input"] == [
        ids.RESPONDER_PERSON
    ]
    stack.slack.wait_for("/api/views.update", updates + 1, 10.0)
    stack.datadog.clear_faults()
    shown = stack.current_view(opened["id"])
    role_block = next(b for b in shown["blocks"] if b["block_id"] == ids.RESPONDER_ROLE)
    assert [o["text"]["text"] for o in role_block["element"]["options"]] == [SCRIBE]
    assert_view_round_trips({k: shown[k] for k in ("type", "title", "submit", "close", "blocks")})


def test_a_role_named_like_a_mention_is_escaped_in_the_notes_fallback(stack: LocalStack) -> None:
    """The note's `text` (notifications, screen readers) escapes Datadog's role name too."""
    loud = stack.datadog.add_role("<!channel>")
    assert submit_add(stack, BOB, loud)["response_action"] == "update"
    note = note_with(stack, "as a responder")
    assert "<!channel>" not in note["text"] and "&lt;!channel&gt;" in note["text"]
    assert "<!channel>" not in note["blocks"][0]["text"]["text"]


def test_no_role_select_when_the_org_has_no_roles(stack: LocalStack) -> None:
    for role in list(stack.datadog.roles):
        stack.datadog.delete_role(role)
    stack.services.responders.roles(fresh=True)  # what the modal reads is kept a minute
    view = open_modal(stack, ids.ADD_RESPONDER_ACTION)
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [ids.RESPONDER_PERSON]
    assert submit_add(stack, BOB)["response_action"] == "update"
    note = note_with(stack, "as a responder")
    assert note["blocks"][0]["text"]["text"] == f"<@{ALICE}> added <@{BOB}> as a responder."
    assert "role_assignments" not in str(responder_posts(stack)[0].json())


def test_an_add_whose_answer_was_lost_adds_one_responder(stack: LocalStack) -> None:
    """Datadog adds BOB, then the answer is lost: the chore lists the responders, finds him,
    and does not POST again: one responder, one note."""
    stack.datadog.inject("POST /api/v2/incidents/{iid}/responders", lose_response=True)
    assert submit_add(stack, BOB)["response_action"] == "update"
    note_with(stack, "as a responder")
    listed = stack.datadog.responders_of(incident_id(stack))
    bobs = [r for r in listed if r["relationships"]["user"]["data"]["id"] == stack.users[BOB]]
    assert len(bobs) == 1
    assert len(responder_posts(stack)) == 1
    assert (
        len(stack.datadog.calls(f"/api/v2/incidents/{incident_id(stack)}/responders", "GET")) >= 1
    )
    wait_for(lambda: f"<@{BOB}>" in responders_text(stack), what="the card")
    assert len([n for n in thread_notes(stack) if "responder" in str(n)]) == 1


def test_a_failed_add_puts_the_card_back_and_offers_retry(stack: LocalStack) -> None:
    stack.datadog.inject("POST /api/v2/incidents/{iid}/responders", status=403, times=1)
    responses = len(stack.slack.responses)
    ephemerals = len(stack.slack.calls("/api/chat.postEphemeral"))
    view = open_modal(stack, ids.ADD_RESPONDER_ACTION)
    assert stack.submit(view, person_values(BOB)).json()["response_action"] == "update"
    ended = wait_for(
        lambda: (v := stack.current_view(view["id"]))["title"]["text"] == "Not added" and v,
        what="the modal's end",
    )
    assert "incident_write" in ended["blocks"][0]["text"]["text"]
    stack.slack.wait_for("/api/chat.postEphemeral", ephemerals + 1, 10.0)
    told = str(stack.slack.calls("/api/chat.postEphemeral")[-1].json())
    assert "add Bob Oncall" in told or "add" in told
    assert ids.CHORE_RETRY_ACTION in told and "incident_write" in told
    wait_for(lambda: f"<@{BOB}>" not in responders_text(stack), what="the card put back")
    assert len(stack.slack.responses) == responses


def test_remove_a_responder(stack: LocalStack) -> None:
    assert submit_add(stack, BOB)["response_action"] == "update"
    note_with(stack, "as a responder")
    wait_for(lambda: ids.REMOVE_RESPONDER_ACTION in str(card_message(stack)), what="Remove")
    view = open_modal(stack, ids.REMOVE_RESPONDER_ACTION)
    pick = next(b for b in view["blocks"] if b["block_id"] == ids.RESPONDER_PICK)
    responder_id = pick["element"]["options"][0]["value"]
    values = {ids.RESPONDER_PICK: {ids.RESPONDER_PICK: option_value(responder_id)}}
    assert stack.submit(view, values).json()["response_action"] == "update"
    note = note_with(stack, "from the responders")
    wait_for(
        lambda: stack.current_view(view["id"])["title"]["text"] == "Responder removed",
        what="the modal's end",
    )
    assert note["blocks"][0]["text"]["text"] == f"<@{ALICE}> removed <@{BOB}> from the responders."
    deletes = stack.datadog.calls(method="DELETE")
    assert [d.path.rsplit("/", 1)[-1] for d in deletes] == [responder_id]
    wait_for(lambda: responders_text(stack) == "", what="the card without responders")
    wait_for(  # written right after the note
        lambda: (
            EntryKind.RESPONDER_REMOVED
            in [e.kind for e in stack.services.journal.entries(incident_id(stack))]
        ),
        what="the journal entry",
    )


def test_removing_one_already_gone_in_datadog_is_done(stack: LocalStack) -> None:
    """Datadog's 404 on the DELETE means it is gone: what was asked."""
    assert submit_add(stack, BOB)["response_action"] == "update"
    note_with(stack, "as a responder")
    wait_for(lambda: ids.REMOVE_RESPONDER_ACTION in str(card_message(stack)), what="Remove")
    view = open_modal(stack, ids.REMOVE_RESPONDER_ACTION)
    responder_id = view["blocks"][0]["element"]["options"][0]["value"]
    stack.datadog.remove_responder_as(incident_id(stack), responder_id)
    values = {ids.RESPONDER_PICK: {ids.RESPONDER_PICK: option_value(responder_id)}}
    assert stack.submit(view, values).json()["response_action"] == "update"
    note_with(stack, "from the responders")
    assert len(stack.datadog.calls(method="DELETE")) == 1


def test_take_command(stack: LocalStack) -> None:
    """BOB becomes commander through the update path; the note names the previous one."""
    patches = len(stack.datadog.calls(method="PATCH"))
    assert press_card(stack, ids.TAKE_COMMAND_ACTION, user=BOB).status_code == 200
    note = note_with(stack, "commander")
    text = note["blocks"][0]["text"]["text"]
    assert text == f"<@{BOB}> changed the commander alice@example.com → Bob Oncall"
    patch = stack.datadog.calls(method="PATCH")[patches].json()
    assert patch["data"]["relationships"]["commander_user"]["data"]["id"] == stack.users[BOB]
    assert set(patch["data"].get("attributes") or {}) == set()
    wait_for(lambda: f"*Commander*\n<@{BOB}>" in card_text(stack), what="the card")
    responses = len(stack.slack.responses)
    press_card(stack, ids.TAKE_COMMAND_ACTION, user=BOB)
    wait_for(lambda: len(stack.slack.responses) > responses, what="an answer")
    assert stack.slack.responses[-1]["text"] == "You're already the commander."
    assert len(stack.datadog.calls(method="PATCH")) == patches + 1


def test_take_command_without_a_datadog_account_is_told(stack: LocalStack) -> None:
    responses = len(stack.slack.responses)
    press_card(stack, ids.TAKE_COMMAND_ACTION, user=CAROL)
    wait_for(lambda: len(stack.slack.responses) > responses, what="an answer")
    assert (
        "No active Datadog user has the email carol@example.com"
        in stack.slack.responses[-1]["text"]
    )
    assert stack.datadog.calls(method="PATCH") == []


def test_a_responder_is_invited_to_the_incident_channel() -> None:
    with LocalStack(env={"DECLARE_INCIDENT_CHANNEL": "always"}) as stack:
        stack.declare("Checkout API 5xx")
        stack.wait_done()
        made = wait_for(lambda: stack.slack.channels.created_by_bot(), what="incident channel")
        channel = made[0]["id"]
        card_message(stack, channel)
        invites = len(stack.slack.calls("/api/conversations.invite"))
        view = open_modal(stack, ids.ADD_RESPONDER_ACTION, channel=channel)
        assert stack.submit(view, person_values(BOB)).json()["response_action"] == "update"
        note_with(stack, "as a responder", channel)
        calls = stack.slack.calls("/api/conversations.invite")[invites:]
        sent = [c.form() or c.json() for c in calls]
        assert [(str(c["channel"]), BOB in str(c["users"])) for c in sent] == [(channel, True)]
