"""`kill -9` the bot mid-declaration, start it again: exactly one incident, one announcement.

The bot runs as a real process on a SQLite file in tmp_path. Each case holds the first
process at one step (a slow Slack or Datadog, or a long Retry-After), kills it there,
and measures how long the restarted process takes to finish the declaration.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.domain.declare.record import Step
from bot.emulators.personas import INCIDENTS
from bot.emulators.stack import LocalStack
from bot.store.sqlite import SqliteStore
from tests import figures
from tests.bot_process import BotProcess, bot_env, open_modal, submission
from tests.exactly_once import announcements, assert_exactly_once, wait_for


def step_of(path: Path) -> Step | None:
    store = SqliteStore(path)
    try:
        records = store.all()
    finally:
        store.close()
    return records[0].step if records else None


def placeholder_saved(path: Path) -> bool:
    store = SqliteStore(path)
    try:
        return any(r.placeholder_ts for r in store.all())
    finally:
        store.close()


def hold_at_accepted(stack: LocalStack) -> Callable[[], None]:
    """Slack's users.info takes 5 s: the commander is never resolved before the kill."""
    stack.slack.latency["/api/users.info"] = 5.0
    figures.fault("kill -9 before the commander was resolved")

    def release() -> None:
        stack.slack.latency.pop("/api/users.info", None)

    return release


def hold_in_create(stack: LocalStack) -> Callable[[], None]:
    """Datadog takes 1.5 s to create: the process dies with the create in flight, and the
    incident still appears afterwards (the hardest case: it must be found, not made again)."""
    stack.datadog.inject("POST /api/v2/incidents", delay=1.5)
    figures.fault("kill -9 with the create in flight (incident made after)")
    return lambda: None


def hold_before_announcing(stack: LocalStack) -> Callable[[], None]:
    """Slack answers the announcement `ratelimited`, Retry-After 30 s: the bot is waiting."""
    stack.slack.inject("chat.postMessage", "ratelimited", retry_after=30)
    figures.fault("kill -9 between incident created and announced")
    return lambda: None


Hold = Callable[[LocalStack], Callable[[], None]]
Arrived = Callable[[LocalStack], bool]
CASES: dict[str, tuple[Hold, Step, Arrived]] = {
    "accepted": (hold_at_accepted, Step.ACCEPTED, lambda s: True),
    "create_in_flight": (
        hold_in_create,
        Step.COMMANDER_RESOLVED,
        lambda s: bool(s.datadog.calls("/api/v2/incidents", "POST")),
    ),
    "created_not_announced": (
        hold_before_announcing,
        Step.INCIDENT_CREATED,
        lambda s: bool(s.slack.calls("/api/chat.postMessage")),
    ),
}
"""Crash point → (how to hold the bot there, the step stored, when the held call arrived)."""


@pytest.mark.parametrize("crash_point", list(CASES))
def test_kill_9_then_restart_finishes_the_declaration_once(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess], crash_point: str
) -> None:
    hold, held_step, arrived = CASES[crash_point]
    store_path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(store_path))
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    release = hold(stack)

    title = f"Crash at {crash_point}"
    view = open_modal(stack, first.caller)
    response = first.caller.interact(submission(stack, view, title))
    assert response.status_code == 200, response.text

    wait_for(lambda: step_of(store_path) is held_step, timeout=15, what=f"step {held_step}")
    wait_for(lambda: arrived(stack), timeout=15, what="the held call")
    if held_step is not Step.INCIDENT_CREATED:
        # The placeholder goes out beside the resolve and the create (issue 15); killed
        # between Slack storing it and the save, a second one would follow (docs/reliability.md).
        wait_for(lambda: placeholder_saved(store_path), timeout=15, what="the placeholder")
    first.kill9()
    release()
    # At most the placeholder, posted beside the resolve and the create (issue 15).
    assert len(announcements(stack.slack, title)) <= 1

    started = time.monotonic()
    second = BotProcess(tmp_path, env, name="second")
    processes.append(second)
    second.start()
    ready = time.monotonic()
    wait_for(lambda: step_of(store_path) is Step.DONE, timeout=30, what="the resumed declaration")
    done = time.monotonic()
    figures.timing(f"resume after restart, {crash_point} (process start → done)", done - started)
    figures.timing(f"resume after restart, {crash_point} (ready → done)", done - ready)
    print(f"\n{crash_point}: resumed in {done - started:.2f}s ({done - ready:.2f}s once ready)")

    assert "resuming declaration" in second.log()
    assert len(stack.slack.messages(INCIDENTS)) == 2, "one announcement, one thread reply"
    assert_exactly_once(stack, title)
