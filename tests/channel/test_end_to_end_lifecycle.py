"""With issue 12's card buttons: Update and Resolve pressed on the card in the incident
channel change its topic and the pointer; DECLARE_ARCHIVE_ON_RESOLVE archives it after the
final note. Over real HTTP, through the same buttons people press."""

from __future__ import annotations

import json
from typing import Any

from bot.emulators.card_driver import open_modal, with_changes
from bot.emulators.personas import BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import RESOLVE_ACTION, UPDATE_ACTION
from tests.channel.test_incident_channel import channel_stack, made
from tests.exactly_once import wait_for


def notes_in(stack: LocalStack, channel: str) -> list[dict[str, Any]]:
    messages = stack.slack.messages(channel)
    return [m for m in messages[2:] if m.get("thread_ts")]


def test_update_then_resolve_from_the_card_in_the_incident_channel() -> None:
    stack = channel_stack(DECLARE_ARCHIVE_ON_RESOLVE="true")
    try:
        stack.declare("Lifecycle in a channel", severity="SEV-2", commander=BOB)
        stack.wait_done()
        [channel] = made(stack)
        room = channel["id"]
        view = open_modal(stack, UPDATE_ACTION, channel=room)
        stack.submit(view, with_changes(view, severity="SEV-1"))
        wait_for(lambda: len(notes_in(stack, room)) == 1, what="the update note")
        [channel] = made(stack)
        assert channel["topic"]["value"].startswith("SEV-1 · active")
        [pointer] = stack.slack.messages(INCIDENTS)
        assert "active" in pointer["text"]

        view = open_modal(stack, RESOLVE_ACTION, channel=room)
        stack.submit(view, with_changes(view, resolution_note="rolled back"))
        wait_for(lambda: made(stack)[0]["is_archived"], what="the archive")
        [channel] = made(stack)
        assert "✅ resolved" in channel["topic"]["value"]
        [pointer] = stack.slack.messages(INCIDENTS)
        assert "✅ resolved" in pointer["text"]
        notes = notes_in(stack, room)
        assert len(notes) == 2 and "rolled back" in json.dumps(notes[-1])
        calls = [r.path for r in stack.slack.requests]
        assert calls.index("/api/conversations.archive") > max(
            i for i, p in enumerate(calls) if p == "/api/chat.postMessage"
        ), "archived after the final note"
    finally:
        stack.stop()
