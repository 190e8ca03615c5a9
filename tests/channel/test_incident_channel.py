"""The optional incident channel end to end over real HTTP: made, staffed, linked, once.

DECLARE_INCIDENT_CHANNEL=always or ask; the bot talks to the Slack and Datadog emulators
exactly as it talks to Slack and Datadog.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulators.personas import ALICE, BOB, CAROL, INCIDENTS
from bot.emulators.slack.inbound import declare_form_values, options_value
from bot.emulators.stack import LocalStack
from tests.oracles import assert_blocks_round_trip


def channel_stack(**env: str) -> LocalStack:
    return LocalStack(env={"DECLARE_INCIDENT_CHANNEL": "always", **env}).start()


@pytest.fixture
def always() -> Iterator[LocalStack]:
    stack = channel_stack()
    yield stack
    stack.stop()


def made(stack: LocalStack) -> list[dict[str, Any]]:
    return stack.slack.channels.created_by_bot()


def the_record(stack: LocalStack) -> Any:
    records = stack.services.store.all()
    assert len(records) == 1
    return records[0]


def test_always_from_a_public_channel(always: LocalStack) -> None:
    always.declare("Checkout API 5xx", severity="SEV-2", commander=BOB, people=[CAROL])
    always.wait_done()
    record = the_record(always)
    assert record.step.value == "done", record.error
    [channel] = made(always)
    number = record.public_id
    assert channel["name"] == f"inc-{number}-checkout-api-5xx"
    assert channel["is_private"] is False and channel["creator"] == always.slack.BOT_USER_ID
    assert channel["members"] == sorted([ALICE, BOB, CAROL])
    topic = channel["topic"]["value"]
    assert "SEV-2" in topic and "active" in topic and f"<@{BOB}>" in topic
    assert record.incident_url in topic
    assert [b["link"] for b in channel["bookmarks"]] == [record.incident_url]

    # The card (and its thread reply) in the incident channel; a pointer in the origin.
    card, reply = always.slack.messages(channel["id"])
    for message in (card, reply):
        assert_blocks_round_trip(message["blocks"])
    assert "Checkout API 5xx" in card["text"] and reply.get("thread_ts") == card["ts"]
    [pointer] = always.slack.messages(INCIDENTS)
    text = pointer["blocks"][0]["text"]["text"]
    assert f"IR-{number}" in text and f"<#{channel['id']}>" in text
    assert record.incident_url in text
    assert_blocks_round_trip(pointer["blocks"])
    assert pointer["text"] == f"IR-{number} declared: Checkout API 5xx → #{channel['name']}"

    # Datadog's incident page links to the incident channel.
    [link] = always.datadog.integrations[record.incident_id]
    [linked] = link["attributes"]["metadata"]["channels"]
    assert linked["channel_id"] == channel["id"]
    assert linked["channel_name"] == f"#{channel['name']}"


def test_never_is_todays_behaviour(stack: LocalStack) -> None:
    stack.declare("No channel please")
    stack.wait_done()
    assert made(stack) == []
    assert not stack.slack.calls_of("conversations.create")
    assert len(stack.slack.messages(INCIDENTS)) == 2


def ask_values(title: str, checked: bool) -> dict[str, Any]:
    box = (
        options_value(["yes"], "checkboxes")
        if checked
        else {
            "type": "checkboxes",
            "selected_options": [],
        }
    )
    return declare_form_values(
        title=title, commander=ALICE, extra={"incident_channel": {"incident_channel": box}}
    )


@pytest.mark.parametrize("checked", [False, True])
def test_ask_follows_the_checkbox(checked: bool) -> None:
    stack = channel_stack(DECLARE_INCIDENT_CHANNEL="ask", DECLARE_INCIDENT_CHANNEL_DEFAULT="true")
    try:
        stack.slash()
        view = stack.opened_view()
        [box] = [b for b in view["blocks"] if b.get("block_id") == "incident_channel"]
        assert box["element"]["initial_options"][0]["text"]["text"] == "Create an incident channel"
        stack.submit(view, ask_values("Asked", checked))
        stack.wait_done()
        assert len(made(stack)) == (1 if checked else 0)
        assert the_record(stack).declaration.incident_channel is checked
    finally:
        stack.stop()


def test_always_has_no_checkbox(always: LocalStack) -> None:
    always.slash()
    view = always.opened_view()
    assert all(b.get("block_id") != "incident_channel" for b in view["blocks"])


def test_ask_unchecked_by_default() -> None:
    stack = channel_stack(DECLARE_INCIDENT_CHANNEL="ask")
    try:
        stack.slash()
        view = stack.opened_view()
        [box] = [b for b in view["blocks"] if b.get("block_id") == "incident_channel"]
        assert "initial_options" not in box["element"]
        stack.submit(view, declare_form_values(title="Untouched", commander=ALICE))
        stack.wait_done()
        assert made(stack) == [] and len(stack.slack.messages(INCIDENTS)) == 2
    finally:
        stack.stop()
