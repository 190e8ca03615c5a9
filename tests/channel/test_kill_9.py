"""`kill -9` after Slack made the incident channel but before the bot saved its id: the
restarted bot finds the channel it made (exact name, created by the bot) and goes on.
One channel, one card in it, one pointer in the origin."""

from __future__ import annotations

from pathlib import Path

from bot.domain.declare.record import DeclarationRecord, Step
from bot.emulators.personas import ALICE, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.store.sqlite import SqliteStore
from tests.bot_process import BotProcess, bot_env, open_modal, submission
from tests.exactly_once import wait_for

CREATE = "/api/conversations.create"


def stored(path: Path) -> list[DeclarationRecord]:
    store = SqliteStore(path)
    try:
        return list(store.all())
    finally:
        store.close()


def test_kill_9_after_conversations_create_makes_one_channel(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    store_path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(store_path), DECLARE_INCIDENT_CHANNEL="always")
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    stack.slack.answer_latency[CREATE] = 30.0  # made at once, answered too late

    view = open_modal(stack, first.caller)
    assert first.caller.interact(submission(stack, view, "Crash mid channel")).status_code == 200
    wait_for(lambda: stack.slack.channels.created_by_bot(), timeout=15, what="the channel")
    [record] = stored(store_path)
    assert record.channel is not None and record.channel.create_sent
    assert record.channel.id is None
    first.kill9()
    stack.slack.answer_latency.pop(CREATE)

    second = BotProcess(tmp_path, env, name="second")
    processes.append(second)
    second.start()

    def done() -> bool:
        records = stored(store_path)
        return bool(records) and records[0].step is Step.DONE

    wait_for(done, timeout=30, what="the resumed declaration")
    [channel] = stack.slack.channels.created_by_bot()
    assert len(stack.slack.calls(CREATE)) == 1, "found, not made again"
    assert len(stack.slack.messages(channel["id"])) == 2  # the card and its thread reply
    assert ALICE in channel["members"]
    assert len(stack.slack.messages(INCIDENTS)) == 1  # the pointer
