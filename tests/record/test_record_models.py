"""The record's domain models: a captured message, and `/declare todo` text."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.record.capture import CapturedMessage, capture_key
from bot.domain.record.todos import (
    Todo,
    TodoTextError,
    due_from_the_wire,
    due_on_the_wire,
    handle_for,
    open_todos,
    parse_todo_text,
    still_open_line,
)

TODAY = date(2026, 12, 7)


def test_a_message_is_one_capture_whoever_adds_it_and_its_title_is_one_short_line() -> None:
    message = CapturedMessage(
        channel_id="C1",
        ts="1700000000.000100",
        author_id="U1",
        author_name="jane",
        text="the db\n\nis at   100% CPU " + "x" * 300,
        permalink="https://emulator.slack.com/archives/C1/p1700000000000100",
        files=("graph.png",),
    )
    assert message.key == capture_key("C1", "1700000000.000100") == "captured:C1:1700000000.000100"
    assert message.at == pytest.approx(1700000000.0001)
    title = message.link_title()
    assert title.startswith("Slack: jane: the db is at 100% CPU x") and len(title) == 120
    assert "\n" not in title and title.endswith("…")
    assert message.journal_text().endswith("\nFiles: graph.png")
    files_only = CapturedMessage(channel_id="C1", ts="1.2", permalink="p", files=("a.log",))
    assert files_only.link_title() == "Slack: someone: a.log"
    assert files_only.journal_text() == "Files: a.log"


def test_todo_text_takes_mentions_anywhere_and_a_last_word_date() -> None:
    draft = parse_todo_text("Rotate the <@U1|jane> API key <@U2> tomorrow", TODAY)
    assert draft.content == "Rotate the API key"
    assert draft.assignee_ids == ("U1", "U2")
    assert draft.due == date(2026, 12, 8)
    assert parse_todo_text("Write the runbook 2026-12-24", TODAY).due == date(2026, 12, 24)
    plain = parse_todo_text("Call the vendor", TODAY)
    assert plain.due is None and plain.assignee_ids == ()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "Say what needs doing"),
        ("<@U1> today", "Say what needs doing"),
        ("Fix 2026-13-40", "not a date"),
        ("x" * 1001, "at most 1000"),
    ],
)
def test_todo_text_that_cannot_be_a_to_do_says_why(text: str, said: str) -> None:
    with pytest.raises(TodoTextError, match=said):
        parse_todo_text(text, TODAY)


def test_handles_due_dates_and_what_is_still_open() -> None:
    assert handle_for(" Jane@Example.com ") == "@jane@example.com"
    assert due_on_the_wire(date(2026, 12, 24)) == "2026-12-24T00:00:00+00:00"
    assert due_from_the_wire("2023-07-10T05:00:00+00:00") == date(2023, 7, 10)
    assert due_from_the_wire(None) is None and due_from_the_wire("soon") is None
    todos = [Todo(id="1", content="a"), Todo(id="2", content="b", completed="2026-12-07T00:00:00Z")]
    assert [t.id for t in open_todos(todos)] == ["1"]
    assert still_open_line(3) == "3 to-dos still open"
    assert still_open_line(1) == "1 to-do still open"
    assert still_open_line(0) == ""
