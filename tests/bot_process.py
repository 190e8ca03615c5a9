"""The bot as a real process (`python -m bot`, HTTP mode) against the test's emulators.

For what only a process shows: a `kill -9` mid-declaration and a restart, two replicas
sharing one Redis, and what ends up in the logs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bot.config import SETTINGS
from bot.emulators.personas import ALICE, CHANNELS, INCIDENTS, TEAM
from bot.emulators.slack.inbound import (
    BotCaller,
    declare_form_values,
    slash_command_body,
    view_submission,
)
from bot.emulators.stack import SIGNING_SECRET, LocalStack, emulator_env
from tests.redis_server import free_port


def bot_env(stack: LocalStack, **settings: str) -> dict[str, str]:
    """Settings pointing at the stack's emulators; nothing leaks in from the caller's env."""
    known = {doc.env for doc in SETTINGS}
    env = {k: v for k, v in os.environ.items() if k not in known}
    env.update(
        {
            **emulator_env(stack.slack, stack.datadog),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(settings)
    return env


class BotProcess:
    """One `python -m bot` on a free port; its log goes to `<workdir>/<name>.log`."""

    def __init__(self, workdir: Path, env: dict[str, str], name: str = "bot") -> None:
        self.workdir = workdir
        self.port = free_port()
        self.env = {**env, "PORT": str(self.port)}
        self.log_path = workdir / f"{name}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.caller = BotCaller(self.url, self.env.get("SLACK_SIGNING_SECRET", SIGNING_SECRET))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_timeout: float = 30.0) -> BotProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.workdir,  # no stray .env
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"bot exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"bot not ready after {ready_timeout}s:\n{self.log()}")

    def kill9(self) -> None:
        """SIGKILL: no cleanup, no flush, like a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        self.caller.close()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def open_modal(stack: LocalStack, caller: BotCaller, *, user: str = ALICE) -> dict[str, Any]:
    """/declare through `caller`; the view the bot opened in the Slack emulator."""
    seen = len(stack.slack.calls("/api/views.open"))
    body = slash_command_body(
        user_id=user,
        user_name=user.lower(),
        channel_id=INCIDENTS,
        channel_name=CHANNELS[INCIDENTS][0],
        trigger_id=stack.slack.issue_trigger(),
        response_url=stack.slack.response_url(),
        team_id=TEAM,
    )
    response = caller.post(body)
    assert response.status_code == 200, response.text
    return stack.opened_view(count=seen + 1, timeout=10.0)


def submission(stack: LocalStack, view: dict[str, Any], title: str) -> dict[str, Any]:
    """The view_submission Slack would send for `view` filled in with `title`."""
    values = declare_form_values(title=title, commander=ALICE)
    return view_submission(
        view, values, user_id=ALICE, trigger_id=stack.slack.issue_trigger(), team_id=TEAM
    )
