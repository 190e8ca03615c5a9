"""With DECLARE_ARCHIVE_ON_RESOLVE, the incident channel follows the state wherever it
changed, over real HTTP.

Issue 20 §2.4: only a resolve made from Slack archived the channel; a resolve seen by the
sync in Datadog left it open, and a reopen found the card in an archived channel, where
it can't be edited. Now a resolve from either side archives the channel after the final
note; a reopen from Slack asks Slack to unarchive it, and when Slack won't (a bot token
can't unarchive: `not_in_channel`) the card and its notes go on where the incident was
declared, with the reason said there. A reopen made in Datadog now does the same: the
sync takes back the resolved card whose incident Datadog lists open again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.domain.lifecycle.record import card_key
from bot.emulators.card_driver import open_modal, press_card, with_changes
from bot.emulators.personas import BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import REOPEN_ACTION, RESOLVE_ACTION
from tests.channel.test_incident_channel import channel_stack, made, the_record
from tests.exactly_once import wait_for


@pytest.fixture
def archiving() -> Iterator[LocalStack]:
    stack = channel_stack(DECLARE_ARCHIVE_ON_RESOLVE="true", DECLARE_SYNC_INTERVAL="0.3")
    yield stack
    stack.stop()


def set_state(stack: LocalStack, state: str) -> None:
    """Bob changes the state in Datadog's UI."""
    stack.datadog.edit_incident(
        the_record(stack).incident_id,
        by=stack.users[BOB],
        attributes={"fields": {"state": {"type": "dropdown", "value": state}}},
    )


def declared_with_a_channel(stack: LocalStack) -> dict[str, Any]:
    stack.declare("Archive follows", severity="SEV-2", commander=BOB)
    stack.wait_done()
    [channel] = made(stack)
    record = the_record(stack)
    wait_for(
        lambda: (
            (c := stack.services.cards.get_card(card_key(channel["id"], record.announce_ts)))
            and c.shown.modified is not None
        ),
        what="the sync's first read",
    )
    return channel


def archived(stack: LocalStack) -> bool:
    return bool(made(stack)[0]["is_archived"])


def test_a_resolve_seen_in_datadog_archives_the_channel_after_the_note(
    archiving: LocalStack,
) -> None:
    channel = declared_with_a_channel(archiving)
    set_state(archiving, "resolved")
    wait_for(lambda: archived(archiving), what="the channel to be archived")
    notes = [
        m
        for m in archiving.slack.messages(channel["id"])
        if "(in Datadog)" in json.dumps(m["blocks"])
    ]
    assert len(notes) == 1 and "resolved" in json.dumps(notes[0]["blocks"])
    calls = [c for c in archiving.slack.requests if c.path.endswith(("postMessage", "archive"))]
    assert calls[-1].path.endswith("conversations.archive"), "the note comes first"


def origin_card(stack: LocalStack) -> dict[str, Any] | None:
    """A card posted where the incident was declared (the pointer is not one)."""
    return next(
        (m for m in stack.slack.messages(INCIDENTS) if "incident_card" in json.dumps(m["blocks"])),
        None,
    )


def replies(stack: LocalStack, ts: str) -> list[str]:
    return [
        json.dumps(m["blocks"], ensure_ascii=False)
        for m in stack.slack.messages(INCIDENTS)
        if m.get("thread_ts") == ts and m["ts"] != ts
    ]


def test_a_reopen_from_slack_goes_on_where_it_was_declared(archiving: LocalStack) -> None:
    channel = declared_with_a_channel(archiving)
    view = open_modal(archiving, RESOLVE_ACTION, user=BOB, channel=channel["id"])
    assert archiving.submit(view, with_changes(view), user=BOB).status_code == 200
    wait_for(lambda: archived(archiving), what="the channel to be archived")
    assert press_card(archiving, REOPEN_ACTION, user=BOB, channel=channel["id"]).status_code == 200
    wait_for(lambda: origin_card(archiving), what="the card where it was declared")
    card = origin_card(archiving)
    assert card is not None
    wait_for(lambda: len(replies(archiving, card["ts"])) >= 2, what="the reason and the note")
    why, note = replies(archiving, card["ts"])[:2]
    assert "stays archived" in why
    assert f"<@{BOB}> reopened the incident" in note
    wait_for(lambda: not archiving.services.cards.pending_updates(), what="the reopen done")


def origin_cards(stack: LocalStack) -> list[dict[str, Any]]:
    return [
        m for m in stack.slack.messages(INCIDENTS) if "incident_card" in json.dumps(m["blocks"])
    ]


def test_a_reopen_in_datadog_goes_on_where_it_was_declared(archiving: LocalStack) -> None:
    """Issue 20 §2: the sync takes back a resolved card whose incident Datadog lists open
    again, and the channel follows as on a reopen from Slack (the same code path)."""
    channel = declared_with_a_channel(archiving)
    set_state(archiving, "resolved")
    wait_for(lambda: archived(archiving), what="the channel to be archived")
    set_state(archiving, "active")
    wait_for(lambda: origin_card(archiving), what="the card where it was declared")
    card = origin_card(archiving)
    assert card is not None and "Active" in json.dumps(card["blocks"])
    wait_for(lambda: len(replies(archiving, card["ts"])) >= 2, what="the reason and the note")
    why, note = replies(archiving, card["ts"])
    assert "stays archived" in why
    assert "Bob Oncall (in Datadog) reopened the incident" in note
    record = the_record(archiving)
    old = archiving.services.cards.get_card(card_key(channel["id"], record.announce_ts))
    assert old is not None and old.moved_to == card_key(INCIDENTS, card["ts"])
    # Resolved and reopened again: found through the card that is current (no third card).
    set_state(archiving, "resolved")
    wait_for(lambda: len(replies(archiving, card["ts"])) == 3, what="the resolve's note")
    set_state(archiving, "stable")
    wait_for(lambda: len(replies(archiving, card["ts"])) == 4, what="the second reopen's note")
    assert "reopened the incident (stable)" in replies(archiving, card["ts"])[3]
    assert [m["ts"] for m in origin_cards(archiving)] == [card["ts"]]
    assert "Stable" in json.dumps(origin_card(archiving))
