"""Reminders exactly once, with real bot processes: snoozes and stops hold across a restart;
two replicas on one Redis post each reminder once; `kill -9` after the reminder was posted
but before it was saved posts no second one for that due time (the restart finds it saved
as being sent and moves on)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.cadence.schedule import Cadence
from bot.emulators.card_driver import press_button
from bot.emulators.personas import ALICE, INCIDENTS, TEAM
from bot.emulators.slack.inbound import BotCaller, declare_form_values, view_submission
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from bot.store.redis_store import RedisStore
from bot.store.sqlite import SqliteStore
from tests.bot_process import BotProcess, bot_env, open_modal
from tests.card_actions import wait_for
from tests.redis_server import clear


def fast(seconds: int) -> dict[str, str]:
    return {
        "DECLARE_UPDATE_REMINDERS": f"SEV-1={seconds}s",
        "DECLARE_STABLE_REMINDER": "off",
        "DECLARE_REMINDER_TICK": "0.2",
    }


def reminders(stack: LocalStack) -> list[dict[str, Any]]:
    return [m for m in stack.slack.messages(INCIDENTS) if m.get("text", "").startswith("Reminder")]


def declare(stack: LocalStack, bot: BotProcess, title: str) -> None:
    view = open_modal(stack, bot.caller)
    values = declare_form_values(title=title, severity="SEV-1", commander=ALICE)
    payload = view_submission(
        view, values, user_id=ALICE, trigger_id=stack.slack.issue_trigger(), team_id=TEAM
    )
    assert bot.caller.interact(payload).status_code == 200


def press(stack: LocalStack, caller: BotCaller, message: dict[str, Any], action_id: str) -> None:
    assert press_button(stack, message, action_id, caller=caller).status_code == 200


def cadences(path: Path) -> list[Cadence]:
    store = SqliteStore(path)
    try:
        with store._lock:
            rows = store._db.execute("SELECT data FROM cadences").fetchall()
        return [Cadence.model_validate_json(r[0]) for r in rows]
    finally:
        store.close()


def test_snooze_and_stop_hold_across_a_restart(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(path), **fast(1))
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    declare(stack, first, "Stopped one")
    declare(stack, first, "Snoozed one")
    wait_for(
        lambda: len({r["thread_ts"] for r in reminders(stack)}) == 2,
        what="both reminded",
        timeout=20,
    )
    by_thread = {r["thread_ts"]: r for r in reminders(stack)}
    stop, snooze = sorted(by_thread.values(), key=lambda r: r["thread_ts"])
    press(stack, first.caller, stop, ids.REMINDER_STOP_ACTION)
    press(stack, first.caller, snooze, ids.REMINDER_SNOOZE_ACTION)
    wait_for(
        lambda: (
            sum(c.stopped for c in cadences(path)) == 1
            and sum(c.snoozed_until is not None for c in cadences(path)) == 1
        ),
        what="the stop and the snooze stored",
    )
    first.stop()
    count = len(reminders(stack))

    second = BotProcess(tmp_path, env, name="second").start()
    processes.append(second)
    time.sleep(2.5)  # more than two intervals, a dozen ticks
    assert len(reminders(stack)) == count, "neither reminded again after the restart"
    assert "reminder tick failed" not in second.log()


def test_a_restart_after_the_due_time_posts_it_once_late(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(path), **fast(4))
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    declare(stack, first, "Down when due")
    wait_for(lambda: cadences(path), what="its cadence", timeout=20)
    first.stop()
    assert reminders(stack) == [], "stopped before it was due"
    (cadence,) = cadences(path)
    assert cadence.due_at is not None
    time.sleep(max(0.0, cadence.due_at - time.time()) + 0.5)  # down past the due time

    second = BotProcess(tmp_path, env, name="second").start()
    processes.append(second)
    wait_for(lambda: reminders(stack), what="the late reminder", timeout=10)
    time.sleep(1.0)  # five ticks more: nothing posted twice
    assert len(reminders(stack)) == 1


@pytest.fixture
def fast_replicas(stack: LocalStack, redis_url: str, tmp_path: Path) -> Iterator[list[BotProcess]]:
    clear(redis_url)
    started: list[BotProcess] = []
    try:
        for name in ("replica-a", "replica-b"):
            env = bot_env(
                stack,
                REDIS_URL=redis_url,
                STORE_PATH=str(tmp_path / f"{name}.sqlite3"),
                **fast(2),
            )
            started.append(BotProcess(tmp_path, env, name=name).start())
        yield started
    finally:
        for process in started:
            process.stop()
        clear(redis_url)


def test_two_replicas_post_each_reminder_once(
    stack: LocalStack, fast_replicas: list[BotProcess], redis_url: str
) -> None:
    a, _ = fast_replicas
    declare(stack, a, "Two replicas")
    wait_for(lambda: reminders(stack), what="the first reminder", timeout=20)
    time.sleep(1.0)  # both replicas ticked five times since
    assert len(reminders(stack)) == 1
    wait_for(lambda: len(reminders(stack)) == 2, what="the second, an interval on", timeout=10)
    time.sleep(1.0)
    assert len(reminders(stack)) == 2
    store = RedisStore.from_url(redis_url)
    try:
        (cadence,) = store.due_cadences(time.time() + 3600, 10)
        assert cadence.reminders == 2
    finally:
        store.close()


def test_kill_9_after_the_reminder_was_posted_before_it_was_saved_posts_no_second(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(path), **fast(4))
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    declare(stack, first, "Crash mid-reminder")
    wait_for(lambda: len(stack.slack.messages(INCIDENTS)) == 2, what="card and reply", timeout=20)
    # Slack posts the reminder at once, but its answer comes 8 s late: the bot waits for it.
    stack.slack.hold_answer("chat.postMessage", 8.0)
    wait_for(lambda: reminders(stack), what="the reminder in Slack", timeout=15)
    wait_for(lambda: any(c.sending for c in cadences(path)), what="saved as being sent")
    first.kill9()
    (posted,) = reminders(stack)

    second = BotProcess(tmp_path, env, name="second").start()
    processes.append(second)
    wait_for(
        lambda: any(c.reminders == 1 and c.sending is None for c in cadences(path)),
        what="the restart moving on",
        timeout=15,
    )
    assert reminders(stack) == [posted], "no second reminder for that due time"
    assert "not again" in second.log()
