"""A card that moves (its incident channel stayed archived, so it goes on where the
incident was declared) keeps one cadence, over real HTTP: the cadence goes on under the
new card's key and the old one is ended. Before: the moved card started a second cadence
beside the old one (which the scheduler still followed): two reminders per due time."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.lifecycle.record import card_key
from bot.emulators.personas import BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from tests.card_actions import wait_for
from tests.channel.test_incident_channel import made, the_record


def reminders(stack: LocalStack) -> list[dict[str, Any]]:
    return [
        m
        for channel in (INCIDENTS, made(stack)[0]["id"])
        for m in stack.slack.messages(channel)
        if m.get("text", "").startswith("Reminder")
    ]


def test_a_moved_card_keeps_one_cadence() -> None:
    env = {
        "DECLARE_INCIDENT_CHANNEL": "always",
        "DECLARE_SYNC_INTERVAL": "0.3",
        "DECLARE_UPDATE_REMINDERS": "SEV-1=1s,SEV-2=1h",
        "DECLARE_REMINDER_TICK": "0.1",
    }
    with LocalStack(env=env) as stack:
        stack.declare("Moves along", severity="SEV-2", commander=BOB)
        stack.wait_done()
        [channel] = made(stack)
        record = the_record(stack)
        old_key = card_key(channel["id"], record.announce_ts)
        wait_for(
            lambda: (c := stack.services.cards.get_card(old_key)) and c.shown.modified,
            what="the sync's first read",
        )
        started = stack.services.store.get_cadence(old_key)
        assert started is not None
        with stack.slack.channels.lock:  # someone archives the incident channel
            stack.slack.channels.world.channels[channel["id"]].is_archived = True
        stack.datadog.edit_incident(  # Bob raises it in Datadog: the card can't be edited
            record.incident_id,
            by=stack.users[BOB],
            attributes={"fields": {"severity": {"type": "dropdown", "value": "SEV-1"}}},
        )
        moved = wait_for(
            lambda: (c := stack.services.cards.get_card(old_key)) and c.moved_to,
            what="the card posted where it was declared",
        )
        assert moved.startswith(f"{INCIDENTS}:")
        carried = wait_for(
            lambda: (c := stack.services.store.get_cadence(moved)) and c.severity == "SEV-1" and c,
            what="the cadence under the new key, following SEV-1",
        )
        assert carried.started_at == started.started_at, "carried over, not started anew"
        old = stack.services.store.get_cadence(old_key)
        assert old is not None and old.due_at is None, "the old one fires no more"

        wait_for(lambda: len(reminders(stack)) >= 2, what="two due times", timeout=6)
        times = sorted(float(m["ts"]) for m in reminders(stack))
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert all(g > 0.5 for g in gaps), f"one reminder per due time, not two: {gaps}"
        assert all(m.get("thread_ts") == moved.split(":")[1] for m in reminders(stack)), json.dumps(
            reminders(stack)
        )[:300]
