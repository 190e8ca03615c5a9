"""The stakeholder channel over real HTTP: one message per incident declared in a public
channel, edited in place as it changes, with a thread reply per status update and per
change of severity, state or commander; a private incident is never posted there."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulators.personas import ALICE, BOB
from bot.emulators.slack.inbound import option_value, text_value
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from tests.card_actions import initial_values, open_modal, press_card, wait_for, with_changes
from tests.oracles import assert_blocks_round_trip

STAKEHOLDERS = "C0STAKE"
WAR_ROOM = "G0WARROOM"


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(env={"DECLARE_UPDATES_CHANNEL": STAKEHOLDERS}) as running:
        running.slack.add_channel(STAKEHOLDERS, "leadership", is_member=True, members=(ALICE,))
        running.slack.add_channel(
            WAR_ROOM, "war-room", is_private=True, is_member=True, members=(ALICE, BOB)
        )
        yield running


def there(stack: LocalStack) -> list[dict[str, Any]]:
    return stack.slack.messages(STAKEHOLDERS)


def test_one_message_kept_current_with_a_reply_per_update_and_change(stack: LocalStack) -> None:
    stack.declare("Checkout down", severity="SEV-2", commander=BOB)
    stack.wait_done()
    (top,) = wait_for(lambda: there(stack), what="the stakeholder message")
    shown = json.dumps(top["blocks"])
    assert "Checkout down" in shown and "SEV-2" in shown and f"<@{BOB}>" in shown
    assert "Follow it in Slack" in shown
    assert_blocks_round_trip(top["blocks"])

    view = open_modal(stack, ids.UPDATE_ACTION)
    assert stack.submit(view, with_changes(view, severity="SEV-1")).status_code == 200
    wait_for(lambda: "SEV-1" in json.dumps(there(stack)[0]["blocks"]), what="the message edited")
    wait_for(lambda: len(there(stack)) == 2, what="the change replied")
    assert there(stack)[1]["thread_ts"] == top["ts"]
    assert "severity" in json.dumps(there(stack)[1]["blocks"])

    before = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, ids.POST_UPDATE_ACTION).status_code == 200
    modal = stack.opened_view(count=before + 1)
    values = initial_values(modal)
    values[ids.STATUS_TEXT] = {ids.STATUS_TEXT: text_value("Mitigated; watching")}
    values[ids.STATUS_STATE] = {ids.STATUS_STATE: option_value("active")}
    assert stack.submit(modal, values).status_code == 200
    wait_for(
        lambda: any("Mitigated; watching" in json.dumps(m) for m in there(stack)[1:]),
        what="the update replied",
    )
    assert all(m["thread_ts"] == top["ts"] for m in there(stack)[1:])
    assert len([m for m in there(stack) if m.get("thread_ts") in (None, m["ts"])]) == 1


def test_a_private_incident_is_never_posted_there(stack: LocalStack) -> None:
    stack.declare("Customer data exposure", severity="SEV-1", channel=WAR_ROOM)
    stack.wait_done()
    view = open_modal(stack, ids.UPDATE_ACTION, channel=WAR_ROOM)
    assert stack.submit(view, with_changes(view, severity="SEV-2")).status_code == 200
    wait_for(lambda: stack.datadog.updated_bodies(), what="the change")
    time.sleep(0.5)
    assert there(stack) == []
    assert not [
        c for c in stack.slack.calls_of("chat.postMessage") if c.get("channel") == STAKEHOLDERS
    ]


def test_a_cadence_saved_meanwhile_keeps_the_stakeholder_message_once() -> None:
    """The stakeholder message's answer is slow; a status update saves the cadence
    meanwhile (it holds no lease): the ts is put on the latest version, so the next
    ticks don't post the message again (before: the ts was dropped, posted every tick)."""
    env = {"DECLARE_UPDATES_CHANNEL": STAKEHOLDERS, "DECLARE_REMINDER_TICK": "0.1"}
    with LocalStack(env=env) as stack:
        stack.slack.add_channel(STAKEHOLDERS, "leadership", is_member=True, members=(ALICE,))
        for _ in ("the card", "its link in the thread", "the stakeholder message"):
            stack.slack.hold_answer("chat.postMessage", 1.5)  # the last two in either order
        stack.declare("Checkout down", severity="SEV-2", commander=BOB)
        wait_for(lambda: there(stack), what="the stakeholder message (its answer held)")
        (card,) = stack.services.cards.open_cards()
        before = stack.services.store.get_cadence(card.key)
        assert before is not None and before.stakeholder_pending, "its ts not saved yet"
        assert stack.slash("update Looking into it", channel="C0INCIDENTS").status_code == 200
        wait_for(
            lambda: (c := stack.services.store.get_cadence(card.key)) and c.last_update_at,
            what="the update saving the cadence",
        )
        saved = wait_for(
            lambda: (
                (c := stack.services.store.get_cadence(card.key))
                and not c.stakeholder_pending
                and c
            ),
            what="the stakeholder ts saved",
        )
        stack.wait_done()
        time.sleep(0.5)  # ticks that would post it again
        tops = [m for m in there(stack) if not m.get("thread_ts")]
        assert len(tops) == 1, "posted once"
        assert saved.stakeholder_ts == tops[0]["ts"]
        assert saved.last_update_at is not None, "the update's save stands"


def test_an_update_saying_channel_pings_no_one_where_it_is_posted() -> None:
    """`/declare update` with `<!channel>`: re-posted to the incident channel (broadcast)
    and under the stakeholder message, its fallback text is escaped like its blocks."""
    env = {"DECLARE_UPDATES_CHANNEL": STAKEHOLDERS, "DECLARE_INCIDENT_CHANNEL": "always"}
    with LocalStack(env=env) as stack:
        stack.slack.add_channel(STAKEHOLDERS, "leadership", is_member=True, members=(ALICE,))
        stack.declare("Checkout <!here> down", severity="SEV-2", commander=BOB)
        stack.wait_done()
        wait_for(lambda: there(stack), what="the stakeholder message")
        (card,) = stack.services.cards.open_cards()
        answer = stack.slash("update Rolled back <!channel> <@U0CAROL>", channel=card.channel)
        assert answer.status_code == 200
        wait_for(
            lambda: any("Rolled back" in json.dumps(m) for m in there(stack)[1:]),
            what="the update under the stakeholder message",
        )
        posts = [
            c
            for c in stack.slack.calls_of("chat.postMessage")
            if "Rolled back" in str(c.get("text")) or "Checkout" in str(c.get("text"))
        ]
        broadcast = [c for c in posts if c.get("reply_broadcast") in (True, "true", "1", 1)]
        assert broadcast and [c for c in posts if c.get("channel") == STAKEHOLDERS]
        for call in posts:
            text = str(call["text"])
            assert "<!channel>" not in text and "<!here>" not in text, text
            assert "<@U0CAROL>" not in text, text
        assert any("&lt;!channel&gt;" in str(c["text"]) for c in posts)
