"""Who may see and change an incident, over real HTTP: one table, every surface.

ALICE declares "Customer data exposure" in #war-room, a private channel the bot is in.
Each person below then tries each surface that shows or changes an incident; the table
says what the one access policy (bot/domain/access/rules.py) must answer. The allowlist has
one user group, which BOB is not in. On main (c648f55) CAROL saw the incident in
`/declare list` and could change it through the list's Update: issue 20's finding 1.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulators.card_driver import initial_values
from bot.emulators.personas import ALICE, BOB, CAROL, INCIDENTS, TEAM
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import (
    ADD_RESPONDER_ACTION,
    ADD_RESPONDER_CALLBACK,
    CAPTURE_SHORTCUT,
    PAGE_ACTION,
    PAGE_CALLBACK,
    POST_UPDATE_ACTION,
    POSTMORTEM_ACTION,
    REMINDER_SNOOZE_ACTION,
    REOPEN_ACTION,
    RESOLVE_ACTION,
    RESOLVE_CALLBACK,
    RESPONDER_PERSON,
    STATUS_CALLBACK,
    STATUS_TEXT,
    TAKE_COMMAND_ACTION,
    TODO_ACTION,
    TODO_CALLBACK,
    UPDATE_ACTION,
    UPDATE_CALLBACK,
)
from tests.card_actions import card_message, press_card, wait_for
from tests.lifecycle.test_declare_list import listed, press_listed, rows

WAR_ROOM = "G0WARROOM"
ERIN = "U0ERIN"
"""A guest (is_restricted) in #war-room."""
FRANK = "U0FRANK"
"""From another workspace (Slack Connect), in #war-room."""
RESPONDERS = "S0RESPOND"
TITLE = "Customer data exposure"

SURFACES = (
    "list",
    "card update",
    "list update",
    "resolve",
    "update submit",
    "reopen",
    "add responder",
    "add responder submit",
    "take command",
    "page",
    "post update",
    "status submit",
    "snooze",
    "add to-do",
    "capture",
    "postmortem",
)
PEOPLE: dict[str, tuple[bool, bool]] = {
    # person: (may see, may change)
    ALICE: (True, True),  # declared it; in the group
    BOB: (True, False),  # in #war-room, not in the user group
    CAROL: (False, False),  # not in #war-room
    ERIN: (True, False),  # a guest in #war-room
    FRANK: (True, False),  # from another workspace, in #war-room
}


def add_people(stack: LocalStack) -> None:
    stack.slack.add_user(ERIN, "erin", real_name="Erin Guest", email="erin@example.com", guest=True)
    stack.slack.add_user(
        FRANK, "frank", real_name="Frank Vendor", email="frank@vendor.example", team_id="T0VENDOR"
    )
    stack.slack.add_channel(
        WAR_ROOM, "war-room", is_private=True, is_member=True, members=(ALICE, BOB, ERIN, FRANK)
    )
    stack.slack.add_usergroup(RESPONDERS, "responders", [ALICE, CAROL, ERIN, FRANK])


@pytest.fixture(scope="module")
def war_room() -> Iterator[LocalStack]:
    with LocalStack(env={"DECLARE_ALLOWED_USERGROUPS": RESPONDERS}) as stack:
        add_people(stack)
        response = stack.declare(TITLE, channel=WAR_ROOM)
        assert response.status_code == 200, response.text
        stack.wait_done()
        yield stack


def opened_after(stack: LocalStack, before: int) -> dict[str, Any]:
    """The view opened once more than `before` views are open."""
    wait_for(lambda: len(stack.slack.views) > before, what="a view to open")
    return dict(list(stack.slack.views.values())[-1])


def answered_after(stack: LocalStack, before: int) -> dict[str, Any]:
    wait_for(lambda: len(stack.slack.responses) > before, what="an ephemeral answer")
    return stack.slack.responses[-1]


def try_surface(stack: LocalStack, surface: str, user: str) -> bool:
    """True when the surface let `user` through (showed or began the change)."""
    views = len(stack.slack.views)
    responses = len(stack.slack.responses)
    if surface == "list":
        return any(TITLE in r["text"]["text"] for r in rows(listed(stack, user=user)))
    if surface in ("card update", "resolve", "page"):
        action, callback = {
            "card update": (UPDATE_ACTION, UPDATE_CALLBACK),
            "resolve": (RESOLVE_ACTION, RESOLVE_CALLBACK),
            "page": (PAGE_ACTION, PAGE_CALLBACK),
        }[surface]
        assert press_card(stack, action, user=user, channel=WAR_ROOM).status_code == 200
        view = opened_after(stack, views)
        if view.get("callback_id") != callback:
            assert view["title"]["text"] in ("Can't update", "Can't resolve", "Can't page")
            return False
        return True
    if surface == "list update":
        mine = rows(listed(stack, user=ALICE))  # ALICE's list: a genuine signed button
        value = next(r["accessory"]["value"] for r in mine if TITLE in r["text"]["text"])
        views = len(stack.slack.views)
        assert press_listed(stack, value, user=user).status_code == 200
        return opened_after(stack, views).get("callback_id") == UPDATE_CALLBACK
    if surface == "update submit":
        assert press_card(stack, UPDATE_ACTION, user=ALICE, channel=WAR_ROOM).status_code == 200
        view = stack.current_view(opened_after(stack, views)["id"])
        response = stack.submit(view, initial_values(view), user=user)
        answer = response.json() if response.content else {}
        if answer.get("response_action") == "errors":
            return False
        assert answer.get("response_action") == "update", answer
        return True
    if surface == "add responder":
        assert (
            press_card(stack, ADD_RESPONDER_ACTION, user=user, channel=WAR_ROOM).status_code == 200
        )
        view = opened_after(stack, views)
        if view.get("callback_id") != ADD_RESPONDER_CALLBACK:
            assert view["title"]["text"] == "Can't add responder"
            return False
        return True
    if surface == "add responder submit":  # ALICE's modal, submitted by `user`
        press_card(stack, ADD_RESPONDER_ACTION, user=ALICE, channel=WAR_ROOM)
        view = stack.current_view(opened_after(stack, views)["id"])
        values = {
            RESPONDER_PERSON: {RESPONDER_PERSON: {"type": "users_select", "selected_user": CAROL}}
        }
        answer = stack.submit(view, values, user=user).json()
        assert answer["response_action"] == "errors"
        # allowed people get past the access check, to CAROL's missing Datadog account
        return "No active Datadog user" in answer["errors"][RESPONDER_PERSON]
    if surface == "take command":
        assert (
            press_card(stack, TAKE_COMMAND_ACTION, user=user, channel=WAR_ROOM).status_code == 200
        )
        text = answered_after(stack, responses)["text"]
        return text == "You're already the commander."  # ALICE commands it already
    if surface == "post update":
        assert press_card(stack, POST_UPDATE_ACTION, user=user, channel=WAR_ROOM).status_code == 200
        view = opened_after(stack, views)
        if view.get("callback_id") != STATUS_CALLBACK:
            assert view["title"]["text"] == "Can't post an update"
            return False
        return True
    if surface == "status submit":
        assert (
            press_card(stack, POST_UPDATE_ACTION, user=ALICE, channel=WAR_ROOM).status_code == 200
        )
        view = stack.current_view(opened_after(stack, views)["id"])
        values = initial_values(view)
        values[STATUS_TEXT] = {STATUS_TEXT: {"type": "plain_text_input", "value": "Still on it"}}
        answer = stack.submit(view, values, user=user).json()
        return answer.get("response_action") == "update"
    if surface == "snooze":
        card = next(c for c in stack.services.cards.open_cards() if c.channel == WAR_ROOM)
        message = {
            "ts": "1.0",
            "blocks": [],
            "text": "Reminder",
        }
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user, "name": user, "team_id": TEAM},
            "api_app_id": "A0DECLARE",
            "token": "unused-verification-token",
            "trigger_id": stack.slack.issue_trigger(),
            "team": {"id": TEAM, "domain": "emulator"},
            "container": {"type": "message", "message_ts": "1.0", "channel_id": WAR_ROOM},
            "channel": {"id": WAR_ROOM, "name": "war-room"},
            "message": message,
            "response_url": stack.slack.response_url(),
            "actions": [
                {
                    "action_id": REMINDER_SNOOZE_ACTION,
                    "block_id": "x",
                    "type": "button",
                    "value": stack.services.list_signer.sign_key(card.key),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        assert stack.caller.interact(payload).status_code == 200
        return "snoozed reminders" in answered_after(stack, responses).get("text", "")
    if surface == "add to-do":
        assert press_card(stack, TODO_ACTION, user=user, channel=WAR_ROOM).status_code == 200
        view = opened_after(stack, views)
        if view.get("callback_id") != TODO_CALLBACK:
            assert "add to-dos to" in str(view)  # the refusal speaks of the action
            return False
        return True
    if surface == "capture":
        card = card_message(stack, WAR_ROOM)
        ts = stack.slack.post_as_user(WAR_ROOM, BOB, f"a finding for {user}", thread_ts=card["ts"])
        message = stack.slack.message(WAR_ROOM, ts)
        response = stack.message_shortcut(
            message, user=user, channel=WAR_ROOM, callback_id=CAPTURE_SHORTCUT
        )
        assert response.status_code == 200
        text = answered_after(stack, responses)["text"]
        return text.startswith("📌 Added to")
    if surface == "reopen":
        assert press_card(stack, REOPEN_ACTION, user=user, channel=WAR_ROOM).status_code == 200
        text = answered_after(stack, responses)["text"]
        return text == "It is already open."
    if surface == "postmortem":
        settled = stack.services.chores.store.pending_chores
        wait_for(lambda: not settled(), what="an earlier press's postmortem")
        drafted = len(postmortems(stack))
        assert press_card(stack, POSTMORTEM_ACTION, user=user, channel=WAR_ROOM).status_code == 200
        text = answered_after(stack, responses)["text"]
        if text.startswith(":no_entry:"):
            assert "draft the postmortem of" in text
            assert len(postmortems(stack)) == drafted, "refused: nothing sent"
            return False
        assert "postmortem of IR-" in text, text
        return True
    raise AssertionError(surface)


def postmortems(stack: LocalStack) -> list[object]:
    return [c for c in stack.datadog.calls(method="POST") if c.path.endswith("/postmortems")]


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("user", list(PEOPLE))
def test_every_surface_asks_the_one_access_policy(
    war_room: LocalStack, surface: str, user: str
) -> None:
    may_see, may_change = PEOPLE[user]
    expected = may_see if surface == "list" else may_change
    patches = len(war_room.datadog.calls(method="PATCH"))
    assert try_surface(war_room, surface, user) is expected
    assert len(war_room.datadog.calls(method="PATCH")) == patches


def test_refusals_speak_of_the_action_and_the_reason(war_room: LocalStack) -> None:
    stack = war_room
    reasons = {
        BOB: "Only members of <!subteam^S0RESPOND> can update incidents",
        CAROL: "You can't update IR-",
        ERIN: "Guests can't update IR-",
        FRANK: "People from another workspace can't update IR-",
    }
    for user, reason in reasons.items():
        views = len(stack.slack.views)
        press_card(stack, UPDATE_ACTION, user=user, channel=WAR_ROOM)
        view = opened_after(stack, views)
        assert reason in view["blocks"][0]["text"]["text"], (user, view["blocks"])
    responses = len(stack.slack.responses)
    press_card(stack, REOPEN_ACTION, user=CAROL, channel=WAR_ROOM)
    assert "You can't reopen IR-" in answered_after(stack, responses)["text"]


def test_a_private_incident_is_not_listed_to_a_non_member_in_a_public_channel(
    war_room: LocalStack,
) -> None:
    answer = listed(war_room, user=CAROL)
    assert TITLE not in str(answer)


def test_guests_may_change_what_they_see_when_allowed() -> None:
    with LocalStack(env={"DECLARE_ALLOW_GUESTS": "true"}) as stack:
        add_people(stack)
        stack.declare(TITLE, channel=WAR_ROOM)
        stack.wait_done()
        assert try_surface(stack, "card update", ERIN)
        assert try_surface(stack, "card update", FRANK)
        assert not try_surface(stack, "card update", CAROL)


def test_guests_may_not_declare() -> None:
    with LocalStack() as stack:
        add_people(stack)
        response = stack.declare("Declared by a guest", user=ERIN, commander=ALICE)
        assert response.status_code == 200
        answer = response.json() if response.content else {}
        assert answer.get("response_action") == "errors", answer
        assert "Guests can't declare incidents" in str(answer["errors"])
        assert not stack.datadog.calls("/api/v2/incidents", method="POST")


def test_allowlists_are_judged_where_it_was_declared_not_in_its_incident_channel() -> None:
    """On main, with DECLARE_ALLOWED_CHANNELS and DECLARE_INCIDENT_CHANNEL=always, nobody
    could update or resolve anything, and the refusal spoke of declaring."""
    env = {"DECLARE_ALLOWED_CHANNELS": INCIDENTS, "DECLARE_INCIDENT_CHANNEL": "always"}
    with LocalStack(env=env) as stack:
        stack.declare("Checkout API 5xx")
        stack.wait_done()
        made = wait_for(lambda: stack.slack.channels.created_by_bot(), what="incident channel")
        channel = made[0]["id"]
        card_message(stack, channel)
        views = len(stack.slack.views)
        press_card(stack, UPDATE_ACTION, user=ALICE, channel=channel)
        assert opened_after(stack, views)["callback_id"] == UPDATE_CALLBACK


def test_a_modal_that_cannot_open_is_told(war_room: LocalStack) -> None:
    stack = war_room
    responses = len(stack.slack.responses)
    stack.slack.inject("views.open", "internal_error")
    press_card(stack, RESOLVE_ACTION, user=ALICE, channel=WAR_ROOM)
    text = answered_after(stack, responses)["text"]
    assert "couldn't open" in text and "internal_error" in text and "Nothing was changed" in text


def test_the_membership_is_cached_briefly(war_room: LocalStack) -> None:
    stack = war_room
    calls = len(stack.slack.calls("/api/conversations.members"))
    for _ in range(3):
        views = len(stack.slack.views)
        press_card(stack, UPDATE_ACTION, user=CAROL, channel=WAR_ROOM)
        opened_after(stack, views)
        time.sleep(0.01)
    assert len(stack.slack.calls("/api/conversations.members")) <= calls + 1


def test_an_external_payload_team_does_not_make_a_member(war_room: LocalStack) -> None:
    """The person comes from users.info, not from what the payload claims of its team."""
    assert TEAM != "T0VENDOR"
    assert not try_surface(war_room, "card update", FRANK)


def test_a_failed_read_of_a_person_is_asked_again_not_kept() -> None:
    """Slack failing to describe BOB refuses this press ("try again in a moment"), and the
    next press asks Slack again: a failure is never kept for the cache's five minutes."""
    with LocalStack() as stack:
        add_people(stack)
        stack.declare(TITLE, channel=WAR_ROOM)
        stack.wait_done()
        stack.slack.inject("users.info", "internal_error")
        views = len(stack.slack.views)
        press_card(stack, UPDATE_ACTION, user=BOB, channel=WAR_ROOM)
        refused = opened_after(stack, views)
        assert "Slack wouldn't say who you are (internal_error)" in str(refused["blocks"])
        assert try_surface(stack, "card update", BOB)


def test_the_to_do_list_s_boxes_ask_the_one_access_policy(war_room: LocalStack) -> None:
    """Only who may change the incident completes its to-dos; the others hear why."""
    from bot.emulators.card_driver import press_todo_box
    from bot.emulators.slack.inbound import text_value
    from bot.slack.record.blocks import TODO_CONTENT_BLOCK
    from tests.record.helpers import todo_list_message

    stack = war_room
    card = next(c for c in stack.services.cards.open_cards() if c.channel == WAR_ROOM)
    views = len(stack.slack.views)
    assert press_card(stack, TODO_ACTION, user=ALICE, channel=WAR_ROOM).status_code == 200
    view = opened_after(stack, views)
    values = {TODO_CONTENT_BLOCK: {TODO_CONTENT_BLOCK: text_value("Tell the customers")}}
    assert stack.submit(view, values, user=ALICE).status_code == 200
    listed = wait_for(
        lambda: (
            "Tell the customers" in str(todo_list_message(stack, card)["blocks"])
            and todo_list_message(stack, card)
        ),
        what="the to-do listed",
    )
    [todo_id] = [
        o["value"]
        for b in listed["blocks"]
        for e in b.get("elements", [])
        for o in e.get("options", [])
        if o["text"]["text"] == "Tell the customers"
    ]
    for user, reason in (
        (BOB, "can change the to-dos of"),
        (CAROL, "You can't change the to-dos of IR-"),
    ):
        responses = len(stack.slack.responses)
        assert press_todo_box(stack, WAR_ROOM, listed, todo_id, user=user).status_code == 200
        assert reason in answered_after(stack, responses)["text"], user
    patches = len(stack.datadog.calls(method="PATCH"))
    assert press_todo_box(stack, WAR_ROOM, listed, todo_id, user=ALICE).status_code == 200
    wait_for(lambda: len(stack.datadog.calls(method="PATCH")) > patches, what="ALICE's PATCH")
