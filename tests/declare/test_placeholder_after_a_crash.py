"""`kill -9` between the placeholder and the create (issue 15): one message, one incident.

The bot runs as a real process on a SQLite file. The placeholder is saved as soon as Slack
answers; the process is killed once it is saved, with the commander not yet resolved (the
create never sent) or with the create in flight (Datadog makes the incident after the
kill). The restarted process edits that placeholder into the card: it posts no other, and
it looks the in-flight incident up rather than creating a second one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.declare.record import DeclarationRecord, Step
from bot.emulators.personas import INCIDENTS
from bot.emulators.stack import LocalStack
from bot.store.sqlite import SqliteStore
from tests import figures
from tests.bot_process import BotProcess, bot_env, open_modal, submission
from tests.exactly_once import assert_exactly_once, wait_for


def record_of(path: Path) -> DeclarationRecord | None:
    store = SqliteStore(path)
    try:
        records = store.all()
    finally:
        store.close()
    return records[0] if records else None


@pytest.mark.parametrize("crash_point", ["before_the_create", "create_in_flight"])
def test_kill_9_after_the_placeholder_then_restart_edits_it(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess], crash_point: str
) -> None:
    store_path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(store_path))
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    if crash_point == "create_in_flight":
        stack.datadog.inject("POST /api/v2/incidents", delay=2.0)
    else:  # the commander's lookup is slow: the placeholder is out, the create not sent
        stack.slack.latency["/api/users.info"] = 5.0
    figures.fault(f"kill -9 after the placeholder, {crash_point.replace('_', ' ')}")

    title = f"Placeholder crash {crash_point}"
    view = open_modal(stack, first.caller)
    assert first.caller.interact(submission(stack, view, title)).status_code == 200

    def saved() -> bool:
        record = record_of(store_path)
        return record is not None and record.placeholder_ts is not None

    wait_for(saved, timeout=10, what="the placeholder saved")
    if crash_point == "create_in_flight":
        wait_for(
            lambda: stack.datadog.calls("/api/v2/incidents", "POST"), what="the create in flight"
        )
    before = record_of(store_path)
    assert before is not None and before.step in (Step.ACCEPTED, Step.COMMANDER_RESOLVED)
    first.kill9()
    stack.slack.latency.pop("/api/users.info", None)
    (placeholder,) = stack.slack.messages(INCIDENTS)
    assert placeholder["ts"] == before.placeholder_ts

    second = BotProcess(tmp_path, env, name="second").start()
    processes.append(second)
    wait_for(
        lambda: (r := record_of(store_path)) is not None and r.step is Step.DONE,
        timeout=30,
        what="the resumed declaration",
    )
    after = record_of(store_path)
    assert after is not None and after.announce_ts == placeholder["ts"]
    card, reply = stack.slack.messages(INCIDENTS)
    assert card["ts"] == placeholder["ts"] and reply["thread_ts"] == placeholder["ts"]
    assert "datadoghq.com/incidents/1" in str(card["blocks"])
    assert len(stack.datadog.incidents) == 1
    assert_exactly_once(stack, title)
