"""The staffing modals and what the stores keep of responders: Block Kit round trips,
escaping, the signed card key, and the card's responders on SQLite and Redis alike."""

from __future__ import annotations

from typing import Any, cast

from bot.domain.incident.responders import Responder, ResponderRole
from bot.domain.incident.state import IncidentView
from bot.domain.lifecycle.ports import IncidentStore
from bot.domain.lifecycle.record import IncidentCard, card_key
from bot.domain.responders.roster import changed, known_as, roster
from bot.slack.common import ids
from bot.slack.responders.forms import (
    add_responder_view,
    card_key_of,
    read_form,
    remove_responder_view,
)
from tests.oracles import assert_view_round_trips
from tests.store.test_contract import Opener
from tests.store.test_contract import opener as opener  # the both-stores fixture

HOSTILE = "<!channel> <http://evil|x> & *bold*"
ROLES = [ResponderRole(id=f"r{n}", name=f"Role {n} {HOSTILE}" * 5) for n in range(120)]
BOB = Responder(
    responder_id="resp-1",
    datadog_user_id="dd-bob",
    name="Bob",
    role_id="r1",
    role_name="Scribe",
    slack_user_id="UBOB",
    created="2026-01-01T12:00:00",
)


def test_the_add_modal_lists_the_orgs_roles_within_slacks_limits() -> None:
    view = add_responder_view("C1:1.0", "IR-7", ROLES)
    assert_view_round_trips(view)
    blocks = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert blocks[ids.RESPONDER_PERSON]["element"]["type"] == "users_select"
    options = blocks[ids.RESPONDER_ROLE]["element"]["options"]
    assert len(options) == 100 and all(len(o["text"]["text"]) <= 75 for o in options)
    assert card_key_of(view) == "C1:1.0"


def test_no_roles_no_role_field_and_a_read_failure_is_said() -> None:
    view = add_responder_view("C1:1.0", "IR-7", [], "Datadog said 403 <!here>")
    assert_view_round_trips(view)
    assert [b["type"] for b in view["blocks"]] == ["input", "context"]
    said = view["blocks"][1]["elements"][0]["text"]
    assert "couldn't be read" in said and "<!here>" not in said


def test_the_remove_modal_lists_the_cards_responders() -> None:
    view = remove_responder_view("C1:1.0", "IR-7", (BOB,))
    assert_view_round_trips(view)
    option = view["blocks"][0]["element"]["options"][0]
    assert option == {"text": {"type": "plain_text", "text": "Bob (Scribe)"}, "value": "resp-1"}


def test_a_rewritten_card_key_is_refused_and_the_form_is_read_once() -> None:
    view: dict[str, Any] = add_responder_view("C1:1.0", "IR-7", ROLES[:2])
    forged = dict(view, private_metadata=view["private_metadata"].replace("C1:1.0", "C9:9.9"))
    assert card_key_of(forged) is None
    view["state"] = {
        "values": {
            ids.RESPONDER_PERSON: {
                ids.RESPONDER_PERSON: {"type": "users_select", "selected_user": "UBOB"}
            },
            ids.RESPONDER_ROLE: {
                ids.RESPONDER_ROLE: {"type": "static_select", "selected_option": {"value": "r1"}}
            },
        }
    }
    form = read_form(view)
    assert (form.person, form.role_id, form.responder_id) == ("UBOB", "r1", None)


def test_the_roster_and_what_changed() -> None:
    commander = Responder(responder_id="resp-0", datadog_user_id="dd-alice", created="2026")
    assert roster([BOB, commander], "dd-alice") == (BOB,)
    fresh = [commander, BOB.model_copy(update={"slack_user_id": None, "role_name": None})]
    kept = known_as(fresh, (BOB,))
    assert kept[1].slack_user_id == "UBOB" and kept[1].role_name == "Scribe"
    assert changed((BOB,), kept) == ((commander,), ())
    assert changed(kept, ()) == ((), kept)


def test_both_stores_keep_the_cards_responders(opener: Opener) -> None:
    store = cast(IncidentStore, opener())
    card = IncidentCard(
        key=card_key("C1", "1.0"),
        incident_id="i-1",
        channel="C1",
        ts="1.0",
        thread_ts="1.0",
        shown=IncidentView(incident_id="i-1", public_id=7, responder_ids=("resp-1",)),
        responders=(BOB,),
    )
    assert store.add_card(card)
    again = cast(IncidentStore, opener()).get_card(card.key)
    assert again is not None and again.responders == (BOB,)
    assert again.shown.responder_ids == (), "read fresh from Datadog, never stored"
