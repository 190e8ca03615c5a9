"""Reminders over real HTTP, with intervals shrunk to seconds: a SEV-1 is reminded on time
where it is run, mentioning its commander, with Post update, Snooze and Stop reminders; a
resolved incident and a severity with no interval get none; a severity change re-schedules;
a stable incident gets one reminder to resolve."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulators.card_driver import press_button
from bot.emulators.personas import ALICE, BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from tests.card_actions import card_message, open_modal, wait_for, with_changes
from tests.oracles import assert_blocks_round_trip

FAST = {
    "DECLARE_UPDATE_REMINDERS": "SEV-1=1s,SEV-2=30m",
    "DECLARE_STABLE_REMINDER": "1s",
    "DECLARE_REMINDER_TICK": "0.1",
}


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(env=FAST) as running:
        yield running


def reminders(stack: LocalStack, channel: str = INCIDENTS) -> list[dict[str, Any]]:
    return [m for m in stack.slack.messages(channel) if m.get("text", "").startswith("Reminder")]


def press_reminder(stack: LocalStack, message: dict[str, Any], action_id: str, user: str = ALICE):
    return press_button(stack, message, action_id, user=user)


def test_a_sev1_is_reminded_on_time_in_its_thread_mentioning_the_commander(
    stack: LocalStack,
) -> None:
    declared_at = time.time()
    stack.declare("Checkout down", severity="SEV-1", commander=BOB)
    stack.wait_done()
    (first,) = wait_for(lambda: reminders(stack), what="the reminder", timeout=5)
    assert time.time() - declared_at < 3, "on time: 1 s, plus a tick"
    assert first["thread_ts"] == card_message(stack)["ts"], "where it is run: the thread"
    shown = json.dumps(first["blocks"])
    assert f"<@{BOB}>" in shown and "time for a status update" in shown
    actions = [
        e["action_id"] for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert actions == [
        ids.REMINDER_UPDATE_ACTION,
        ids.REMINDER_SNOOZE_ACTION,
        ids.REMINDER_STOP_ACTION,
    ]
    assert_blocks_round_trip(first["blocks"])
    wait_for(lambda: len(reminders(stack)) >= 2, what="the next one, an interval on", timeout=5)
    registry = stack.services.metrics.registry
    wait_for(  # counted right after Slack answers the post
        lambda: (
            (registry.get_sample_value("declare_bot_reminders_total", {"event": "update"}) or 0)
            >= 2
        ),
        what="the reminders counted",
    )
    overdue = registry.get_sample_value("declare_bot_overdue_incidents")
    assert overdue == 1, "reminded, not updated since"

    # Stop reminders: no more, and the message says who stopped them.
    assert press_reminder(stack, first, ids.REMINDER_STOP_ACTION).status_code == 200
    wait_for(
        lambda: any("stopped the reminders" in r.get("text", "") for r in stack.slack.responses),
        what="the stop said",
    )
    (card,) = stack.services.cards.open_cards()
    stored = stack.services.store.get_cadence(card.key)
    assert stored is not None and stored.stopped and stored.stopped_by == ALICE
    count = len(reminders(stack))
    time.sleep(1.5)
    assert len(reminders(stack)) == count
    assert registry.get_sample_value("declare_bot_overdue_incidents") == 0
    assert registry.get_sample_value("declare_bot_reminders_total", {"event": "stopped"}) == 1


def test_resolved_and_unnamed_severities_get_none(stack: LocalStack) -> None:
    stack.declare("Quiet one", severity="SEV-3")  # not named: no reminders
    stack.wait_done()
    time.sleep(1.5)
    assert reminders(stack) == []

    stack.slack.add_channel("C0OTHER", "other", is_member=True, members=(ALICE,))
    stack.declare("Over soon", severity="SEV-1", channel="C0OTHER")
    stack.wait_done(count=2)
    view = open_modal(stack, ids.RESOLVE_ACTION, channel="C0OTHER")
    assert stack.submit(view, with_changes(view)).status_code == 200
    wait_for(
        lambda: "✅" in json.dumps(card_message(stack, "C0OTHER"), ensure_ascii=False),
        what="resolved",
    )
    time.sleep(1.5)
    assert reminders(stack, "C0OTHER") == [], "resolved: none"


def test_a_severity_change_reschedules_and_stable_gets_one_resolve_reminder(
    stack: LocalStack,
) -> None:
    stack.declare("Slow burn", severity="SEV-2")  # 30 min: not in this test
    stack.wait_done()
    time.sleep(1.2)
    assert reminders(stack) == []
    view = open_modal(stack, ids.UPDATE_ACTION)
    assert stack.submit(view, with_changes(view, severity="SEV-1")).status_code == 200
    wait_for(lambda: reminders(stack), what="the reminder, now that it is a SEV-1", timeout=5)

    view = open_modal(stack, ids.UPDATE_ACTION)
    assert stack.submit(view, with_changes(view, state="stable")).status_code == 200
    resolve = wait_for(
        lambda: [r for r in reminders(stack) if "stable since" in json.dumps(r["blocks"])],
        what="the resolve reminder",
        timeout=5,
    )
    time.sleep(1.5)
    assert len([r for r in reminders(stack) if "stable since" in json.dumps(r["blocks"])]) == 1
    assert resolve


def test_snooze_puts_it_off(stack: LocalStack) -> None:
    stack.declare("Flapping", severity="SEV-1")
    stack.wait_done()
    (first,) = wait_for(lambda: reminders(stack), what="the reminder", timeout=5)
    assert press_reminder(stack, first, ids.REMINDER_SNOOZE_ACTION).status_code == 200
    wait_for(
        lambda: any("snoozed reminders" in r.get("text", "") for r in stack.slack.responses),
        what="the snooze said",
    )
    (card,) = stack.services.cards.open_cards()
    stored = stack.services.store.get_cadence(card.key)
    assert stored is not None and stored.due_at is not None
    assert stored.due_at > time.time() + 25 * 60, "30 minutes on"
    count = len(reminders(stack))
    time.sleep(1.5)
    assert len(reminders(stack)) == count


def test_post_update_from_the_reminder_and_a_forged_button_refused(stack: LocalStack) -> None:
    stack.declare("Noisy", severity="SEV-1")
    stack.wait_done()
    (first,) = wait_for(lambda: reminders(stack), what="the reminder", timeout=5)
    before = len(stack.slack.calls("/api/views.open"))
    assert press_reminder(stack, first, ids.REMINDER_UPDATE_ACTION).status_code == 200
    view = stack.opened_view(count=before + 1)
    assert view["callback_id"] == ids.STATUS_CALLBACK
    (card,) = stack.services.cards.open_cards()
    forged = dict(first)
    forged["blocks"] = json.loads(json.dumps(first["blocks"]).replace(card.key, "C0X:1.0"))
    press_reminder(stack, forged, ids.REMINDER_STOP_ACTION)
    wait_for(
        lambda: any("can't be read" in r.get("text", "") for r in stack.slack.responses),
        what="a forged value refused",
    )


def test_an_incident_with_its_own_channel_is_reminded_there() -> None:
    with LocalStack(env={**FAST, "DECLARE_INCIDENT_CHANNEL": "always"}) as stack:
        stack.declare("Payments down", severity="SEV-1", commander=BOB)
        stack.wait_done()
        (card,) = stack.services.cards.open_cards()
        assert card.channel != INCIDENTS
        (first, *_) = wait_for(lambda: reminders(stack, card.channel), what="the reminder")
        assert not first.get("thread_ts"), "in the incident channel itself, not a thread"
        assert reminders(stack) == [], "not where it was declared"
