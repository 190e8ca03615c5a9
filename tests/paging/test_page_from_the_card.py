"""Paging from the card, end to end over real HTTP: the Page button, its modal (Datadog's
teams listed, or a person resolved by email as the commander is), one page per submission,
the thread note with Datadog's page id, refusals told with why, and a lost answer never
resent on its own."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from bot.domain.incident.journal import EntryKind
from bot.domain.lifecycle.chores import Chore, ChoreStep, chore_key
from bot.domain.responders.paging import PageRequest, PageTarget
from bot.emulators.personas import ALICE, BOB, CAROL, INCIDENTS, TEAM
from bot.emulators.slack.inbound import option_value, text_value
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from bot.slack.declare.form.page_field import BOTH, NEITHER
from tests.card_actions import open_modal, thread_notes, wait_for
from tests.oracles import assert_blocks_round_trip, assert_view_round_trips

PAGE_ROUTE = "POST /api/v2/incidents/{incident_id}/page"


@pytest.fixture
def declared(stack: LocalStack) -> LocalStack:
    stack.datadog.add_team("payments-oncall", "Payments on-call")
    stack.datadog.add_team("db", "Databases")
    stack.declare("Checkout API 5xx", severity="SEV-2", commander=BOB)
    stack.wait_done()
    return stack


def values(
    *, team: str | None = None, label: str = "", person: str | None = None, message: str = ""
) -> dict[str, Any]:
    chosen: dict[str, Any] = {"type": "external_select", "selected_option": None}
    if team:
        chosen = option_value(team, "external_select")
        chosen["selected_option"]["text"]["text"] = label or team
    return {
        ids.PAGE_TEAM_BLOCK: {ids.PAGE_TEAM_BLOCK: chosen},
        ids.PAGE_PERSON_BLOCK: {
            ids.PAGE_PERSON_BLOCK: {"type": "users_select", "selected_user": person}
        },
        ids.PAGE_MESSAGE_BLOCK: {ids.PAGE_MESSAGE_BLOCK: text_value(message)},
    }


def press_message_button(
    stack: LocalStack, message: dict[str, Any], action_id: str, user: str = ALICE
) -> httpx.Response:
    """Press a button on a message in the channel (a thread note), as Slack sends it."""
    button = next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM},
        "api_app_id": "A0DECLARE",
        "trigger_id": stack.slack.issue_trigger(),
        "team": {"id": TEAM, "domain": "emulator"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": INCIDENTS},
        "channel": {"id": INCIDENTS, "name": INCIDENTS},
        "message": message,
        "response_url": stack.slack.response_url(),
        "actions": [
            {
                "action_id": action_id,
                "block_id": "page_again",
                "type": "button",
                "value": button["value"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return stack.caller.interact(payload)


def page_note(stack: LocalStack, count: int = 1) -> dict[str, Any]:
    notes = wait_for(
        lambda: [n for n in thread_notes(stack) if "page" in n["text"]][count - 1 :],
        what="the page's note",
    )
    return notes[0]


def test_a_team_is_paged_once_with_the_message_and_the_thread_says_so(
    declared: LocalStack,
) -> None:
    stack = declared
    modal = open_modal(stack, ids.PAGE_ACTION)
    assert modal["callback_id"] == ids.PAGE_CALLBACK
    assert_view_round_trips({k: modal[k] for k in ("type", "title", "submit", "close", "blocks")})
    offered = stack.suggest(modal, ids.PAGE_TEAM_BLOCK, "pay")
    assert offered == [
        {
            "text": {"type": "plain_text", "text": "Payments on-call (payments-oncall)"},
            "value": "payments-oncall",
        }
    ]
    answer = stack.submit(
        modal,
        values(
            team="payments-oncall",
            label="Payments on-call (payments-oncall)",
            message="5xx <!here>",
        ),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["view"]["title"]["text"] == "Paging"
    note = page_note(stack)
    ended = wait_for(
        lambda: (v := stack.current_view(modal["id"]))["title"]["text"] == "Paged" and v,
        what="the modal's end",
    )
    assert "Paged *Payments on-call*" in ended["blocks"][0]["text"]["text"]
    [page] = stack.datadog.sent_pages()
    assert page["attributes"]["target"] == {"type": "team_handle", "identifier": "payments-oncall"}
    assert (
        page["attributes"]["title"].startswith("[IR-")
        and "Checkout API 5xx" in page["attributes"]["title"]
    )
    assert page["attributes"]["description"] == "5xx <!here>"
    text = note["blocks"][0]["text"]["text"]
    assert "Paged *Payments on-call* (`payments-oncall`)" in text and f"<@{ALICE}>" in text
    assert page["page_id"] in text and "&lt;!here&gt;" in text and "<!here>" not in text
    assert_blocks_round_trip(note["blocks"])
    paged = [
        e for e in stack.services.journal.entries(page["incident_id"]) if e.kind is EntryKind.PAGED
    ]
    assert [e.data["page_id"] for e in paged] == [page["page_id"]]
    again = stack.submit(modal, values(team="payments-oncall"))  # Slack redelivers
    assert again.status_code == 200
    assert len(stack.datadog.sent_pages()) == 1


def test_a_team_named_like_a_mention_is_escaped_in_the_notes_fallback(
    declared: LocalStack,
) -> None:
    stack = declared
    modal = open_modal(stack, ids.PAGE_ACTION)
    stack.submit(modal, values(team="db", label="<!channel> (db)"))
    note = page_note(stack)
    assert "<!channel>" not in note["text"] and "&lt;!channel&gt;" in note["text"]
    assert "<!channel>" not in note["blocks"][0]["text"]["text"]


def test_a_person_is_paged_as_their_datadog_user(declared: LocalStack) -> None:
    stack = declared
    modal = open_modal(stack, ids.PAGE_ACTION)
    assert stack.submit(modal, values(person=BOB)).status_code == 200
    note = page_note(stack)
    [page] = stack.datadog.sent_pages()
    assert page["attributes"]["target"] == {"type": "user_uuid", "identifier": stack.users[BOB]}
    assert f"Paged <@{BOB}>, by <@{ALICE}>" in note["blocks"][0]["text"]["text"]


@pytest.mark.parametrize(
    ("chosen", "block", "says"),
    [
        ({}, ids.PAGE_TEAM_BLOCK, NEITHER),
        ({"team": "db", "person": BOB}, ids.PAGE_TEAM_BLOCK, BOTH),
        ({"person": CAROL}, ids.PAGE_PERSON_BLOCK, "No active Datadog user has the email"),
    ],
)
def test_bad_choices_are_answered_under_the_field_and_nothing_is_paged(
    declared: LocalStack, chosen: dict[str, Any], block: str, says: str
) -> None:
    stack = declared
    modal = open_modal(stack, ids.PAGE_ACTION)
    answer = stack.submit(modal, values(**chosen)).json()
    assert answer["response_action"] == "errors"
    assert says in answer["errors"][block]
    assert stack.datadog.sent_pages() == []
    assert not [c for c in stack.datadog.calls(method="POST") if c.path.endswith("/page")]


def test_a_page_retried_after_a_lost_answer_is_one_page(declared: LocalStack) -> None:
    """Datadog pages, the answer is lost: the bot never sends it again on its own; the
    thread says it may have been sent, and Page again is the person's choice."""
    stack = declared
    stack.datadog.inject(PAGE_ROUTE, lose_response=True)
    modal = open_modal(stack, ids.PAGE_ACTION)
    stack.submit(modal, values(team="db", label="Databases (db)"))
    note = page_note(stack)
    assert len(stack.datadog.sent_pages()) == 1
    assert "*may have been sent*" in note["blocks"][0]["text"]["text"]
    [button] = note["blocks"][1]["elements"]
    assert button["action_id"] == ids.PAGE_AGAIN_ACTION
    assert len(stack.datadog.sent_pages()) == 1, "still one page once the chore is done"
    for _ in range(2):  # a double click: one more page, by choice
        assert press_message_button(stack, note, ids.PAGE_AGAIN_ACTION).status_code == 200
    again = page_note(stack, 2)
    assert "Paged *Databases* (`db`)" in again["blocks"][0]["text"]["text"]
    assert len(stack.datadog.sent_pages()) == 2
    time.sleep(0.2)
    assert len(stack.datadog.sent_pages()) == 2, "the second press paged nothing more"
    told = [r.get("text") for r in stack.slack.responses]
    assert "Paging Databases again…" in told and "That page was already sent again." in told


def test_a_page_left_mid_send_by_a_crash_is_not_sent_again(declared: LocalStack) -> None:
    """A chore saved at `sending` (the process died during the request): the resume cannot
    look in Datadog, so it says the page may have been sent and sends nothing."""
    stack = declared
    card = stack.services.cards.open_cards()[0]
    request = PageRequest(target=PageTarget.team("db", "Databases"))
    crashed = Chore(
        key=chore_key("page", "T1", "V1", "h1"),
        kind="page",
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=ALICE,
        params=request.params(),
        step=ChoreStep.SENDING,
        attempts=1,
    )
    stack.services.chores.store.add_chore(crashed)
    assert stack.services.chores.resume_pending() == [crashed.key]
    note = page_note(stack)
    assert "*may have been sent*" in note["blocks"][0]["text"]["text"]
    assert stack.datadog.sent_pages() == []
    assert stack.services.chores.store.get_chore(crashed.key).step is ChoreStep.DONE


def test_no_on_call_is_told_to_the_person_with_what_to_do(declared: LocalStack) -> None:
    stack = declared
    stack.datadog.on_call = False
    modal = open_modal(stack, ids.PAGE_ACTION)
    stack.submit(modal, values(team="db"))
    told = wait_for(
        lambda: [m for m in stack.slack.ephemerals(INCIDENTS) if m["user"] == ALICE],
        what="the refusal",
    )[-1]
    text = told["blocks"][0]["text"]["text"]
    assert "does not have On-Call" in text and "ask a Datadog admin" in text
    assert told["blocks"][1]["elements"][0]["action_id"] == ids.PAGE_AGAIN_ACTION
    ended = wait_for(
        lambda: (v := stack.current_view(modal["id"]))["title"]["text"] == "Not paged" and v,
        what="the modal's end",
    )
    assert "does not have On-Call" in ended["blocks"][0]["text"]["text"]
    assert stack.datadog.sent_pages() == []
    assert not [n for n in thread_notes(stack) if "Paged" in n["text"]]


def test_a_missing_permission_is_told_with_the_permission_to_grant(declared: LocalStack) -> None:
    stack = declared
    stack.datadog.permissions.discard("oncall_page")
    modal = open_modal(stack, ids.PAGE_ACTION)
    stack.submit(modal, values(team="db"))
    told = wait_for(
        lambda: [m for m in stack.slack.ephemerals(INCIDENTS) if m["user"] == ALICE],
        what="the refusal",
    )[-1]
    assert "`oncall_page`" in told["blocks"][0]["text"]["text"]
    assert "declare-bot check" in told["blocks"][0]["text"]["text"]
