"""An incident channel follows the incident: topic and pointer show its state, and with
DECLARE_ARCHIVE_ON_RESOLVE the channel is archived after the final note.

The update runner of issue 12 publishes through `services.publisher`; these tests publish
through it the way that runner does (card updated, then the note), over real HTTP.
"""

from __future__ import annotations

from bot.domain.declare.card import card_of
from bot.domain.incident.changes import Change, ChangeKind
from bot.domain.incident.state import RESOLVED
from bot.emulators.personas import BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from tests.channel.test_incident_channel import channel_stack, made, the_record


def resolve_through_the_publisher(stack: LocalStack) -> None:
    record = the_record(stack)
    card = card_of(record)
    assert card is not None
    resolved = card.model_copy(
        update={"shown": card.shown.model_copy(update={"state": RESOLVED, "severity": "SEV-1"})}
    )
    publisher = stack.services.publisher
    publisher.update_card(resolved)
    change = Change(ChangeKind.RESOLVED, "state", "active", RESOLVED, "rolled back")
    publisher.post_note(resolved, BOB, [change])


def test_a_change_updates_topic_and_pointer_archive_off() -> None:
    stack = channel_stack()
    try:
        stack.declare("Lifecycle", severity="SEV-2", commander=BOB)
        stack.wait_done()
        resolve_through_the_publisher(stack)
        [channel] = made(stack)
        topic = channel["topic"]["value"]
        assert topic.startswith("SEV-1 · ✅ resolved") and f"<@{BOB}>" in topic
        [pointer] = stack.slack.messages(INCIDENTS)
        assert "✅ resolved" in pointer["text"]
        assert "✅ resolved" in pointer["blocks"][0]["text"]["text"]
        assert channel["is_archived"] is False
        assert len(stack.slack.messages(channel["id"])) == 3  # card, reply, the note
    finally:
        stack.stop()


def test_archive_on_resolve_after_the_final_note() -> None:
    stack = channel_stack(DECLARE_ARCHIVE_ON_RESOLVE="true")
    try:
        stack.declare("Archive me")
        stack.wait_done()
        resolve_through_the_publisher(stack)
        [channel] = made(stack)
        assert channel["is_archived"] is True
        calls = [c for c in stack.slack.requests if c.path.endswith(("postMessage", "archive"))]
        assert calls[-1].path.endswith("conversations.archive"), "the note comes first"
    finally:
        stack.stop()
