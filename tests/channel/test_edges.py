"""The incident channel's edges over real HTTP: private origins, a message's thread, names
taken, people Slack won't invite, workspaces that forbid channels, a scope not granted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.emulators.personas import ALICE, BOB, CAROL, DAVE, INCIDENTS, PRIVATE
from bot.emulators.slack.inbound import declare_form_values
from bot.emulators.stack import LocalStack
from tests.channel.test_incident_channel import channel_stack, made, the_record
from tests.exactly_once import click_retry, wait_for


@pytest.fixture
def always() -> Iterator[LocalStack]:
    stack = channel_stack()
    yield stack
    stack.stop()


def reply_text(stack: LocalStack, channel: str) -> str:
    replies = [m for m in stack.slack.messages(channel) if m.get("thread_ts")]
    assert replies, f"no thread reply in {channel}"
    return str(replies[-1]["blocks"][0]["text"]["text"])


def test_from_a_private_channel_the_channel_is_private(always: LocalStack) -> None:
    always.declare("Secret outage", channel=PRIVATE)
    always.wait_done()
    [channel] = made(always)
    assert channel["is_private"] is True and channel["id"].startswith("G")
    assert len(always.slack.messages(channel["id"])) == 2  # card and its reply
    # The bot isn't in the private origin: the pointer reaches the declarer by DM.
    [pointer] = always.slack.messages(ALICE)
    assert channel["id"] in pointer["blocks"][0]["text"]["text"]


def test_declare_channel_private_makes_every_channel_private() -> None:
    stack = channel_stack(DECLARE_CHANNEL_PRIVATE="true")
    try:
        stack.declare("Quiet one")
        stack.wait_done()
        [channel] = made(stack)
        assert channel["is_private"] is True
    finally:
        stack.stop()


def test_from_a_message_the_pointer_goes_in_its_thread(always: LocalStack) -> None:
    message = always.post_message("checkout p99 > 2s")
    always.message_shortcut(message)
    view = always.opened_view()
    answer = always.submit(view, declare_form_values(title="From a message", commander=ALICE))
    assert answer.json()["response_action"] == "update"
    always.wait_done()
    [channel] = made(always)
    in_origin = always.slack.messages(INCIDENTS)
    pointers = [m for m in in_origin if m.get("thread_ts") == message["ts"]]
    assert len(pointers) == 1 and channel["id"] in pointers[0]["blocks"][0]["text"]["text"]
    assert len(in_origin) == 2, "the source message and the pointer in its thread"


def test_name_taken_gets_a_numeric_suffix(always: LocalStack) -> None:
    # Datadog numbers incidents from 1 in the emulator: someone already has that name.
    always.slack.add_channel("C0SQUAT", "inc-1-checkout-api-5xx", is_member=False)
    always.declare("Checkout API 5xx")
    always.wait_done()
    [channel] = made(always)
    assert the_record(always).public_id == 1
    assert channel["name"] == "inc-1-checkout-api-5xx-2"


def test_a_test_incident_says_so_in_its_name(always: LocalStack) -> None:
    always.declare("Drill", is_test=True)
    always.wait_done()
    [channel] = made(always)
    assert channel["name"].endswith("-drill-test")


def test_people_slack_wont_invite_dont_keep_the_others_out(always: LocalStack) -> None:
    always.slack.channels.restrict(CAROL)
    always.slack.add_user("U0GONE", "gone", email="gone@example.com", deleted=True)
    always.declare("Staffing", commander=BOB, people=[CAROL, "U0GONE", DAVE])
    always.wait_done()
    [channel] = made(always)
    assert channel["members"] == sorted([ALICE, BOB, DAVE])
    text = reply_text(always, channel["id"])
    assert "Could not invite" in text and CAROL in text and "U0GONE" in text
    assert the_record(always).step.value == "done"


def assert_completes_without_channel(stack: LocalStack, *needles: str) -> None:
    stack.declare("No room")
    stack.wait_done()
    record = the_record(stack)
    assert record.step.value == "done", record.error
    assert made(stack) == []
    card, reply = stack.slack.messages(INCIDENTS)  # in the origin, as today
    text = reply_text(stack, INCIDENTS)
    assert "No incident channel" in text and "Fix:" in text
    for needle in needles:
        assert needle in text


def test_restricted_action_completes_in_the_origin_with_the_reason(always: LocalStack) -> None:
    always.slack.inject("conversations.create", "restricted_action")
    assert_completes_without_channel(always, "restricted_action", "DECLARE_INCIDENT_CHANNEL=never")


def test_missing_scope_completes_in_the_origin_with_the_fix(always: LocalStack) -> None:
    scopes = [s for s in always.slack.BOT_SCOPES if s != "channels:manage"]
    always.slack.set_scopes(always.slack.bot_token, scopes)
    assert_completes_without_channel(always, "channels:manage", "declare-bot check")


def test_repeated_delivery_makes_one_channel(always: LocalStack) -> None:
    always.slash()
    view = always.opened_view()
    values = declare_form_values(title="Twice", commander=ALICE)
    always.submit(view, values)
    always.submit(view, values)
    always.wait_done()
    assert len(made(always)) == 1
    assert len(always.slack.calls_of("conversations.create")) == 1


def test_slack_fails_after_making_the_channel_retry_finds_it(always: LocalStack) -> None:
    """internal_error after the channel was made: the declaration fails with Retry (the
    incident link given), and Retry finds the channel instead of making a second."""
    always.slack.inject("conversations.create", "internal_error", after_effect=True)
    always.declare("Flaky Slack")
    always.wait_done()
    record = the_record(always)
    assert record.step.value == "failed" and "incident channel" in (record.error or "")
    assert len(made(always)) == 1
    assert click_retry(always, record.key) == 200
    wait_for(lambda: the_record(always).step.value == "done", what="the retried declaration")
    [channel] = made(always)
    assert len(always.slack.calls_of("conversations.create")) == 1
    assert len(always.slack.messages(channel["id"])) == 2
    assert sorted(channel["members"]) == [ALICE]
