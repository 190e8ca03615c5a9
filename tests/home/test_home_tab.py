"""The Home tab, end to end over real HTTP (and Socket Mode): `app_home_opened` → the
incidents the person may see (the one access policy), theirs first, each with its card's
link and actions, and a Declare incident button that opens the declare form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.domain.incident.responders import Responder
from bot.emulators.home_driver import open_home
from bot.emulators.personas import ALICE, BOB, CAROL
from bot.emulators.slack.inbound import app_home_opened, declare_form_values
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from tests.card_actions import wait_for
from tests.oracles import assert_view_round_trips

WAR_ROOM = "G0WARROOM"
SECRET = "Customer data exposure"
OPEN = "Checkout API 5xx"


def sections(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]


def incidents_shown(view: dict[str, Any]) -> list[str]:
    return [t for t in sections(view) if t.startswith("*<https://slack.com/archives/")]


@pytest.fixture(scope="module")
def two_incidents() -> Iterator[LocalStack]:
    """ALICE declares one incident in #incidents (public) and one in #war-room (private,
    ALICE and BOB); BOB commands the public one."""
    with LocalStack() as stack:
        stack.slack.add_channel(
            WAR_ROOM, "war-room", is_private=True, is_member=True, members=(ALICE, BOB)
        )
        stack.declare(OPEN, commander=BOB)
        stack.wait_done()
        stack.declare(SECRET, channel=WAR_ROOM)
        stack.wait_done(2)
        yield stack


def test_a_person_in_no_private_channel_sees_only_the_public_incident(
    two_incidents: LocalStack,
) -> None:
    view = open_home(two_incidents, CAROL)
    shown = incidents_shown(view)
    assert len(shown) == 1 and OPEN in shown[0] and SECRET not in str(view)
    assert "*Yours*" not in sections(view) and "*Others you can see*" in sections(view)
    assert_view_round_trips({k: view[k] for k in ("type", "callback_id", "blocks")})


def test_a_member_of_the_private_channel_sees_both_theirs_first(
    two_incidents: LocalStack,
) -> None:
    view = open_home(two_incidents, BOB)
    shown = incidents_shown(view)
    assert len(shown) == 2
    assert OPEN in shown[0] and "you: commander" in shown[0], "theirs first"
    assert SECRET in shown[1]
    assert sections(view).index("*Yours*") < sections(view).index("*Others you can see*")


def test_the_declarer_sees_both_as_theirs_with_links_and_actions(
    two_incidents: LocalStack,
) -> None:
    stack = two_incidents
    view = open_home(stack, ALICE)
    assert len(incidents_shown(view)) == 2
    assert sections(view).count("*Yours*") == 1 and "*Others you can see*" not in sections(view)
    cards = {c.shown.title: c for c in stack.services.cards.open_cards()}
    secret = cards[SECRET]
    link = f"https://slack.com/archives/{secret.channel}/p{secret.ts.replace('.', '')}"
    assert any(link in t for t in incidents_shown(view))
    actions = [b for b in view["blocks"] if b["type"] == "actions"]
    assert actions[0]["elements"][0]["action_id"] == ids.HOME_DECLARE_ACTION
    row = [e["action_id"] for e in actions[1]["elements"]]
    assert row == [
        ids.LIST_UPDATE_ACTION,
        ids.HOME_PAGE_ACTION,
        ids.HOME_OPEN_CARD_ACTION,
        ids.OPEN_INCIDENT_ACTION,
    ]
    assert view["private_metadata"] == stack.slack.dm_channel(ALICE)


def test_update_from_the_home_tab_goes_through_the_access_policy(
    two_incidents: LocalStack,
) -> None:
    """The Home tab's Update (/declare list's signed button) and Page open their modals for
    who may change the incident, and a refusal for who may not (CAROL, pressing a genuine
    button from BOB's tab)."""
    stack = two_incidents
    view = open_home(stack, BOB)
    at = next(i for i, b in enumerate(view["blocks"]) if SECRET in str(b))
    row = {**view, "blocks": [view["blocks"][at + 1]]}
    for action, callback, verb in (
        (ids.LIST_UPDATE_ACTION, ids.UPDATE_CALLBACK, "update"),
        (ids.HOME_PAGE_ACTION, ids.PAGE_CALLBACK, "page"),
    ):
        for user, allowed in ((BOB, True), (CAROL, False)):
            opened = len(stack.slack.calls("/api/views.open"))
            assert stack.press(row, action, user=user).status_code == 200
            modal = stack.opened_view(count=opened + 1)
            if allowed:
                assert modal["callback_id"] == callback
            else:
                assert modal["title"]["text"] == f"Can't {verb}"
                assert f"You can't {verb} IR-" in str(modal["blocks"])


def test_declare_incident_from_the_home_tab_opens_the_form_and_announces_in_the_dm(
    two_incidents: LocalStack,
) -> None:
    stack = two_incidents
    view = open_home(stack, CAROL)
    opened = len(stack.slack.calls("/api/views.open"))
    assert stack.press(view, ids.HOME_DECLARE_ACTION, user=CAROL).status_code == 200
    form = stack.opened_view(count=opened + 1)
    assert form["callback_id"] == ids.MODAL_CALLBACK
    done = stack.finished()
    response = stack.submit(form, declare_form_values(title="From home", commander=BOB), user=CAROL)
    assert response.status_code == 200, response.text
    stack.wait_done(done + 1)
    dm = stack.slack.dm_channel(CAROL)
    wait_for(
        lambda: any("From home" in m.get("text", "") for m in stack.slack.messages(dm)),
        what="the card in the DM",
    )


def test_the_home_tab_over_socket_mode() -> None:
    with LocalStack(socket_mode=True) as stack:
        view = open_home(stack, ALICE)
        assert "No open incidents you can see." in sections(view)
        assert view["blocks"][1]["elements"][0]["action_id"] == ids.HOME_DECLARE_ACTION


def test_the_messages_tab_publishes_nothing(two_incidents: LocalStack) -> None:
    stack = two_incidents
    published = len(stack.slack.calls("/api/views.publish"))
    response = stack.caller.event(app_home_opened(CAROL, team_id="T0EMULATOR", tab="messages"))
    assert response.status_code == 200
    assert len(stack.slack.calls("/api/views.publish")) == published


def test_a_responder_finds_the_incident_under_theirs_with_their_role() -> None:
    with LocalStack() as stack:
        stack.declare(OPEN, commander=ALICE)
        stack.wait_done()
        card = stack.services.cards.open_cards()[0]
        responder = Responder(responder_id="r1", slack_user_id=CAROL, role_name="Scribe <b>")
        assert stack.services.cards.save_card(card.model_copy(update={"responders": (responder,)}))
        shown = incidents_shown(open_home(stack, CAROL))
        assert len(shown) == 1 and "you: responder (Scribe &lt;b&gt;)" in shown[0]
        assert "you:" not in incidents_shown(open_home(stack, BOB))[0]
