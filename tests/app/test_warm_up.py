"""Issue 15 item 2: the start-up warm-up (bot/warm.py) runs, and has no side effect.

The bot, a real process, warms its first request's path by sending itself a signed
`/declare help`. Before the first real /declare, Slack has seen only the start-up's
auth.test and Datadog only the start-up's reads; afterwards /declare works as always.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bot.emulators.stack import LocalStack
from tests.bot_process import BotProcess, bot_env, open_modal

WARM_LOGGED = "warm-up done in"


def wait_for_log(bot: BotProcess, text: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while text not in bot.log():
        assert time.monotonic() < deadline, bot.log()
        time.sleep(0.05)
    return bot.log()


def test_warm_up_runs_at_start_and_calls_nothing(stack: LocalStack, tmp_path: Path) -> None:
    slack_seen, datadog_seen = len(stack.slack.requests), len(stack.datadog.requests)
    incidents = len(stack.datadog.calls("/api/v2/incidents", "POST"))
    env = bot_env(stack, STORE_PATH=str(tmp_path / "s.sqlite3"))
    bot = BotProcess(tmp_path, env).start()
    try:
        log = wait_for_log(bot, WARM_LOGGED)
        line = next(x for x in log.splitlines() if WARM_LOGGED in x)
        assert "16 listener threads" in line and "help: 200" in line, line
        assert "warm-up failed" not in log
        wait_for_log(bot, "heap frozen in")  # after the form is drawn, last
        time.sleep(0.3)  # anything the warm-up set off would have reached an emulator
        slack_calls = [r.path for r in stack.slack.requests[slack_seen:]]
        assert slack_calls == ["/api/auth.test"]  # the start-up's, before any request
        datadog_calls = stack.datadog.requests[datadog_seen:]
        assert {r.method for r in datadog_calls} <= {"GET"}, [r.path for r in datadog_calls]
        assert not stack.slack.calls("/api/chat.postMessage")
        assert not stack.slack.calls("/api/chat.postEphemeral")
        assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == incidents

        view = open_modal(stack, bot.caller)  # the first real /declare still opens the form
        assert view["callback_id"]
        assert [r.path for r in stack.slack.requests[slack_seen:]].count("/api/auth.test") == 1
    finally:
        bot.stop()


def test_socket_mode_warm_up_dispatches_into_bolt(tmp_path: Path) -> None:
    """No HTTP server in Socket Mode: the help goes straight into Bolt, calling nothing."""
    with LocalStack(socket_mode=True) as stack:
        assert stack.socket is not None
        slack_seen, connected = len(stack.slack.requests), len(stack.socket.open_connections())
        env = bot_env(stack, STORE_PATH=str(tmp_path / "s.sqlite3"))
        env |= {"SLACK_APP_TOKEN": stack.slack.app_token}
        log_path = tmp_path / "bot.log"
        with log_path.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=out, stderr=out
            )
        try:
            stack.socket.wait_connections(connected + 1, timeout=20.0)
            deadline = time.monotonic() + 15
            while WARM_LOGGED not in log_path.read_text():
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.05)
            log = log_path.read_text()
            line = next(x for x in log.splitlines() if WARM_LOGGED in x)
            assert "help: 200" in line, line
            slack_calls = [r.path for r in stack.slack.requests[slack_seen:]]
            assert slack_calls.count("/api/auth.test") == 1, slack_calls
            assert set(slack_calls) <= {"/api/auth.test", "/api/apps.connections.open"}
        finally:
            process.terminate()
            process.wait(timeout=10)
