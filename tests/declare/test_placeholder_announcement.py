"""Issue 15 item 1: the announcement goes out at once, beside the create, and is edited in
place into the card when the incident exists; the thread reply is posted beside the edit.

Over real HTTP against the emulators: a slow create shows the placeholder in the channel
before Datadog answers; a failed create says so in the channel (no link, who can retry)
and Retry completes the same message; the fallbacks (join, DM) and the message-shortcut
thread edit the placeholder where it landed. The crash cases are in
test_placeholder_after_a_crash.py.
"""

from __future__ import annotations

import json
from typing import Any

from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.lifecycle.record import card_key
from bot.emulators.personas import ALICE, GENERAL, INCIDENTS, PRIVATE
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import ACTIONS_BLOCK
from tests.declare.test_declaring import assert_everything_sent_round_trips
from tests.declare.test_message_shortcut import post_alert, submit_prefilled
from tests.exactly_once import assert_exactly_once, click_retry, wait_for
from tests.oracles import assert_blocks_round_trip

URL = "https://app.datadoghq.com/incidents/1"


def records(stack: LocalStack) -> list[DeclarationRecord]:
    return stack.services.store.all()


def top_level(stack: LocalStack, channel: str) -> list[dict[str, Any]]:
    return [
        m
        for m in stack.slack.messages(channel)
        if not m.get("thread_ts") or m["thread_ts"] == m["ts"]
    ]


def has_buttons(message: dict[str, Any]) -> bool:
    return any(b.get("block_id") == ACTIONS_BLOCK for b in message.get("blocks", []))


def assert_card_in_place(stack: LocalStack, channel: str, placeholder_ts: str) -> None:
    """One message where the placeholder was, now the card with the link and buttons."""
    record = records(stack)[-1]
    assert record.step is Step.DONE, (record.step, record.error)
    assert record.announce_ts == record.placeholder_ts == placeholder_ts
    card = next(m for m in stack.slack.messages(channel) if m["ts"] == placeholder_ts)
    assert URL in json.dumps(card["blocks"]) and has_buttons(card)
    edits = [c for c in stack.slack.calls_of("chat.update") if c["ts"] == placeholder_ts]
    assert edits, "the placeholder is edited, not posted again"
    for edit in edits:
        assert_blocks_round_trip(edit["blocks"])
    replies = [m for m in stack.slack.messages(channel) if m.get("thread_ts") == placeholder_ts]
    assert [r["ts"] for r in replies] == [record.thread_reply_ts]
    assert stack.services.cards.get_card(card_key(channel, placeholder_ts)) is not None
    assert_everything_sent_round_trips(stack)


def test_the_placeholder_is_in_the_channel_before_the_create_answers(stack: LocalStack) -> None:
    stack.datadog.inject("POST /api/v2/incidents", delay=1.5)
    stack.declare("Slow create", severity="SEV-2")
    wait_for(lambda: top_level(stack, INCIDENTS), timeout=3, what="the placeholder")
    (placeholder,) = top_level(stack, INCIDENTS)
    # Datadog has not answered yet: no incident, no card stored, no link, no buttons.
    assert not stack.datadog.incidents and records(stack)[0].incident_id is None
    assert stack.services.cards.get_card(card_key(INCIDENTS, placeholder["ts"])) is None
    shown = json.dumps(placeholder["blocks"])
    assert "Creating the incident in Datadog" in shown
    for fact in ("Slow create", "SEV-2", f"<@{ALICE}>", "Declared by"):
        assert fact in shown, fact
    assert "datadoghq.com/incidents" not in shown and not has_buttons(placeholder)
    wait_for(lambda: records(stack)[0].placeholder_ts == placeholder["ts"], what="its save")

    stack.wait_done(timeout=10)
    assert top_level(stack, INCIDENTS) == [next(iter(top_level(stack, INCIDENTS)))]
    assert_card_in_place(stack, INCIDENTS, placeholder["ts"])
    assert len(stack.slack.calls_of("chat.postMessage")) == 2, "placeholder and thread reply"
    assert_exactly_once(stack, "Slow create")


def test_a_failed_create_says_so_in_the_channel_and_retry_completes_it(
    stack: LocalStack,
) -> None:
    stack.datadog.permissions.discard("incident_write")
    stack.declare("Forbidden at first")
    stack.wait_done()
    (record,) = records(stack)
    assert record.step is Step.FAILED and record.failed_at is Step.COMMANDER_RESOLVED
    (placeholder,) = top_level(stack, INCIDENTS)
    assert placeholder["ts"] == record.placeholder_ts
    shown = json.dumps(placeholder["blocks"])
    assert "Not declared yet" in shown and "Failed permission authorization checks" in shown
    assert f"<@{ALICE}> can press *Retry*" in shown, "who can retry"
    assert "datadoghq.com/incidents" not in shown and not has_buttons(placeholder)
    assert "Retry" in json.dumps(stack.slack.ephemerals(INCIDENTS)[-1]["blocks"])

    stack.datadog.permissions.add("incident_write")
    assert click_retry(stack, record.key) == 200
    wait_for(lambda: records(stack)[0].step is Step.DONE, what="the retried declaration")
    assert [m["ts"] for m in top_level(stack, INCIDENTS)] == [placeholder["ts"]]
    assert_card_in_place(stack, INCIDENTS, placeholder["ts"])
    assert len(stack.datadog.incidents) == 1
    assert_exactly_once(stack, "Forbidden at first")


def test_a_transient_error_on_the_placeholder_is_retried(stack: LocalStack) -> None:
    stack.slack.inject("chat.postMessage", "service_unavailable")
    stack.declare("Placeholder hiccup")
    stack.wait_done()
    (placeholder,) = top_level(stack, INCIDENTS)
    assert_card_in_place(stack, INCIDENTS, placeholder["ts"])
    assert_exactly_once(stack, "Placeholder hiccup")


def test_a_transient_error_on_the_edit_is_retried(stack: LocalStack) -> None:
    stack.slack.inject("chat.update", "service_unavailable")
    stack.declare("Edit hiccup")
    stack.wait_done()
    (placeholder,) = top_level(stack, INCIDENTS)
    assert_card_in_place(stack, INCIDENTS, placeholder["ts"])
    assert_exactly_once(stack, "Edit hiccup")


def test_not_in_channel_joins_once_and_the_card_replaces_the_placeholder(
    stack: LocalStack,
) -> None:
    stack.declare("In general", channel=GENERAL)
    stack.wait_done()
    assert [c["channel"] for c in stack.slack.calls_of("conversations.join")] == [GENERAL]
    (placeholder,) = top_level(stack, GENERAL)
    assert_card_in_place(stack, GENERAL, placeholder["ts"])
    assert_exactly_once(stack, "In general")


def test_a_private_channel_gets_the_placeholder_by_dm_completed_in_place(
    stack: LocalStack,
) -> None:
    stack.declare("Private", channel=PRIVATE)
    stack.wait_done()
    (record,) = records(stack)
    assert (record.delivered, record.placeholder_how) == ("dm", "dm")
    (placeholder,) = top_level(stack, ALICE)
    assert not stack.slack.messages(PRIVATE)
    assert_card_in_place(stack, record.announce_channel or "", placeholder["ts"])
    assert_exactly_once(stack, "Private")


def test_the_message_shortcut_puts_it_in_the_source_thread(stack: LocalStack) -> None:
    message = post_alert(stack)
    assert stack.message_shortcut(message).status_code == 200
    submit_prefilled(stack, stack.opened_view(), severity="SEV-2")
    stack.wait_done()
    (record,) = records(stack)
    assert (record.delivered, record.placeholder_how) == ("thread", "thread")
    source, announcement, reply = stack.slack.messages(INCIDENTS)
    assert source["ts"] == message["ts"]
    assert announcement["thread_ts"] == reply["thread_ts"] == message["ts"]
    assert announcement["ts"] == record.placeholder_ts == record.announce_ts
    assert URL in json.dumps(announcement["blocks"]) and has_buttons(announcement)
    assert [c["ts"] for c in stack.slack.calls_of("chat.update")] == [announcement["ts"]]
