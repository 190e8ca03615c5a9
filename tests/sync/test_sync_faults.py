"""The sync under Slack's failures, over real HTTP: a transient one is retried at the next
tick (one note, not two, not none); a card Slack refuses for good stops being retried."""

from __future__ import annotations

from bot.emulators.stack import LocalStack
from tests.sync.test_sync import (
    declared,
    edit_severity,
    stored_card,
    texts,
    thread_notes,
)


def test_a_transient_slack_failure_is_retried_at_the_next_tick(stack: LocalStack) -> None:
    record = declared(stack, "Slack hiccup", 1)
    sync = stack.services.sync
    assert sync.tick() is not None  # the first read
    edit_severity(stack, record, "SEV-1")
    stack.slack.inject("chat.update", "internal_error")
    report = sync.tick()
    assert report is not None and report.gets == 1 and report.notes == 0
    assert stored_card(stack, record).shown.severity == "SEV-2", "not saved: retried"
    report = sync.tick()
    assert report is not None and (report.cards, report.notes) == (1, 1)
    (note,) = thread_notes(stack, record)
    assert "changed severity SEV-2 → SEV-1" in texts(note["blocks"])
    report = sync.tick()
    assert report is not None and report.datadog_calls == 1 and thread_notes(stack, record)


def test_a_card_slack_refuses_for_good_is_not_retried(stack: LocalStack) -> None:
    record = declared(stack, "Card deleted", 1)
    sync = stack.services.sync
    assert sync.tick() is not None
    edit_severity(stack, record, "SEV-1")
    stack.slack.inject("chat.update", "message_not_found")
    report = sync.tick()
    assert report is not None and report.gets == 1 and report.notes == 0
    assert stored_card(stack, record).shown.severity == "SEV-1", "saved: not retried"
    report = sync.tick()
    assert report is not None and report.datadog_calls == 1, "only the search"
    assert thread_notes(stack, record) == []
