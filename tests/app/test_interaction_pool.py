"""The interaction pool (bot/pool.py): listeners' work after the ack, off Bolt's threads.

Issue 20 §3: five `/declare list` waiting on a slow Datadog held Bolt's five listener
threads, and the next `/declare` missed its ack. What a listener hands over runs on a pool
of its own, bounded, each task in a fresh log context, its failures logged.
"""

from __future__ import annotations

import logging
import threading

import pytest

from bot.emulators.stack import LocalStack
from bot.logs import declaration_id
from bot.pool import BUSY, InteractionPool, PoolBusy

WAIT = 5.0


def test_a_task_runs_with_its_arguments_on_the_pools_own_thread() -> None:
    pool = InteractionPool(threads=2, backlog=2)
    try:
        future = pool.submit(lambda a, b: (a + b, threading.current_thread().name), 2, 3)
        total, thread = future.result(WAIT)
    finally:
        pool.shutdown()
    assert total == 5
    assert thread.startswith("interaction") and thread != threading.current_thread().name


def test_each_task_starts_with_a_fresh_log_context() -> None:
    pool = InteractionPool(threads=1, backlog=1)
    token = declaration_id.set("decl-of-the-listener")
    try:
        first = pool.submit(lambda: (declaration_id.get(), declaration_id.set("set-by-a-task")))
        seen_first = first.result(WAIT)[0]
        seen_next = pool.submit(declaration_id.get).result(WAIT)  # same thread, next task
    finally:
        declaration_id.reset(token)
        pool.shutdown()
    assert seen_first == declaration_id.get()  # the default, not the caller's
    assert seen_next == declaration_id.get()  # the earlier task's value did not stay


def test_a_failure_is_logged_and_kept_on_its_future(caplog: pytest.LogCaptureFixture) -> None:
    pool = InteractionPool(threads=1, backlog=0)

    def fails() -> None:
        raise ValueError("Datadog answered nonsense")

    with caplog.at_level(logging.ERROR, logger="bot.pool"):
        future = pool.submit(fails)
        with pytest.raises(ValueError):
            future.result(WAIT)
    pool.shutdown()
    logged = [r for r in caplog.records if r.name == "bot.pool" and r.exc_info]
    assert logged and "Datadog answered nonsense" in str(logged[0].exc_info[1])
    assert pool.held == 0  # a failed task gives its place back


def test_a_full_pool_refuses_at_once_and_takes_work_again_once_a_task_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = InteractionPool(threads=1, backlog=1)
    release = threading.Event()
    running = pool.submit(release.wait, WAIT)
    waiting = pool.submit(lambda: "ran later")
    with caplog.at_level(logging.WARNING, logger="bot.pool"), pytest.raises(PoolBusy) as busy:
        pool.submit(lambda: "refused")
    assert busy.value.user_message == BUSY
    assert any("pool full" in r.getMessage() for r in caplog.records)
    assert pool.held == 2
    release.set()
    assert running.result(WAIT) is True
    assert waiting.result(WAIT) == "ran later"  # accepted work is never dropped
    assert pool.submit(lambda: "room again").result(WAIT) == "room again"
    pool.shutdown()
    assert pool.held == 0


def test_shutdown_lets_running_work_end_and_says_what_it_cancelled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = InteractionPool(threads=1, backlog=3)
    started, release = threading.Event(), threading.Event()
    running = pool.submit(lambda: (started.set(), release.wait(WAIT))[1])
    waiting = [pool.submit(lambda: None) for _ in range(2)]
    assert started.wait(WAIT)
    threading.Timer(0.1, release.set).start()
    with caplog.at_level(logging.WARNING, logger="bot.pool"):
        pool.shutdown()
    assert running.result(0) is True
    assert all(f.cancelled() for f in waiting)
    assert any("2 waiting task(s) cancelled" in r.getMessage() for r in caplog.records)
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)  # after shutdown nothing is accepted (and nothing held)
    assert pool.held == 0


def test_services_run_listener_follow_ups_apart_from_the_declaration_workers(
    stack: LocalStack,
) -> None:
    services = stack.services
    name = services.in_background(lambda: threading.current_thread().name).result(WAIT)
    assert name.startswith("interaction")
    worker = services.workers.pool.submit(lambda: threading.current_thread().name).result(WAIT)
    assert worker.startswith("declare")
    assert services.in_background(lambda x: x * 2, 21).result(WAIT) == 42
