"""What every figure shares: the emulators, real processes serving apps, call timing.

The bot runs as it does in production, `python -m bot` in its own process (HTTP mode,
waitress), pointed at the emulators, which live in the benchmark's process with the
load generator. Every Slack and Datadog call costs the injected latency; seeding goes
straight into the emulators' state, so only the apps' calls pay it.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from bench.stats import over_runs
from bot.config import SETTINGS
from bot.emulators.base import EmulatorServer, Request
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.personas import INCIDENTS, TEAM
from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import (
    BotCaller,
    payload_body,
    slash_command_body,
    view_submission,
)
from bot.emulators.stack import SIGNING_SECRET, emulator_env
from bot.slack.declare.form.metadata import decode, use_key

READY_TIMEOUT = 30.0
_people = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def vm_kib(pid: int, field: str = "VmRSS") -> int:
    """A memory figure of a process from /proc/<pid>/status (VmRSS, VmHWM), in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def wait_until(check: Callable[[], Any], timeout: float, what: str, poll: float = 0.002) -> Any:
    """Poll `check` until it returns something truthy; fail loudly after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(poll)


class Emulators:
    """Slack and Datadog emulators with a channel to declare in; people are added per use."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.slack = SlackEmulator(team_id=TEAM)
        self.datadog = DatadogEmulator()

    def start(self) -> Emulators:
        self.slack.start()
        self.datadog.start()
        self.slack.add_channel(INCIDENTS, "incidents", is_private=False, is_member=True)
        self.slack.latency["*"] = self.latency
        self.datadog.latency["*"] = self.latency
        # The bot signs its forms' metadata with a key from its signing secret; `view_for`
        # reads it back here, in another process, so it needs the same key.
        use_key(SIGNING_SECRET)
        return self

    def stop(self) -> None:
        self.slack.stop()
        self.datadog.stop()

    def add_person(self) -> str:
        """A new Slack user with an email and a matching Datadog user: nothing cached."""
        n = next(_people)
        user_id, email = f"U0BENCH{n:05d}", f"bench.{n}@example.com"
        self.slack.add_user(user_id, f"bench{n}", real_name=f"Bench Person {n}", email=email)
        self.datadog.add_user(email, f"Bench Person {n}")
        return user_id

    def env(self) -> dict[str, str]:
        """Settings pointing at the emulators; none of the caller's own settings leak in."""
        known = {doc.env for doc in SETTINGS}
        env = {k: v for k, v in os.environ.items() if k not in known}
        env.update(
            {
                **emulator_env(self.slack, self.datadog),
                "LOG_LEVEL": "WARNING",
            }
        )
        return env


class Served:
    """An app in its own process on a free loopback port, ready once GET /healthz answers."""

    def __init__(
        self, argv: list[str], env: dict[str, str], name: str, ready_status: int = 200
    ) -> None:
        self.name = name
        self.ready_status = ready_status
        """What GET /healthz answers once up (Bolt's own server has no /healthz: 404)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = [a.replace("{port}", str(self.port)) for a in argv]
        self._tmp = tempfile.TemporaryDirectory(prefix=f"declare-bot-bench-{name}-")
        self.workdir = Path(self._tmp.name)
        self.env = {**env, "PORT": str(self.port)}
        self.env.setdefault("STORE_PATH", str(self.workdir / "declare-bot.sqlite3"))
        self.log_path = self.workdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_s = float("nan")
        self.caller = BotCaller(self.url, SIGNING_SECRET)

    @property
    def store_path(self) -> str:
        return self.env["STORE_PATH"]

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> Served:
        """Start and wait for /healthz; `ready_s` is the time from exec to the first 200."""
        with self.log_path.open("ab") as log:
            started = time.monotonic()
            self.process = subprocess.Popen(
                [sys.executable, *self.argv],
                cwd=self.workdir,  # no stray .env
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() - started < READY_TIMEOUT:
                if self.process.poll() is not None:
                    output = self.log()[-2000:]
                    self.stop()
                    raise RuntimeError(f"{self.name} exited: {output}")
                try:
                    if client.get(self.url + "/healthz").status_code == self.ready_status:
                        self.ready_s = time.monotonic() - started
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.005)
        self.stop()
        raise TimeoutError(f"{self.name} was not ready within {READY_TIMEOUT:.0f}s")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        self.caller.close()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._tmp.cleanup()

    def __enter__(self) -> Served:
        return self if self.process is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_bot(emulators: Emulators, source: Path | None = None, name: str = "bot") -> Served:
    """`python -m bot` in HTTP mode against the emulators, with a SQLite store of its own.

    `source`: a source tree of another version (e.g. `git archive main`), imported first,
    so that one run measures the code before and after a change side by side.
    """
    env = emulators.env()
    if source is not None:
        env["PYTHONPATH"] = str(source.resolve())
    return Served(["-m", "bot"], env, name).start()


def start_baseline(
    emulators: Emulators,
    modal: dict[str, Any] | None = None,
    name: str = "baseline",
    docs: bool = False,
) -> Served:
    """The bare Bolt app (bench/baseline.py) in its own process, opening `modal` if given;
    `docs`: Bolt's README app on its own server instead."""
    argv = ["-m", "bench.baseline", "--port", "{port}", *(["--docs"] if docs else [])]
    served = Served(
        [*argv, "--slack-api-url", emulators.slack.url + "/api/"],
        emulators.env(),
        name,
        ready_status=404 if docs else 200,
    )
    if modal is not None:
        path = served.workdir / "modal.json"
        path.write_text(json.dumps(modal))
        served.argv += ["--modal", str(path)]
    return served.start()


def handled_at(emulator: EmulatorServer, request: Request) -> float:
    """When an emulator acted on a call: arrival plus the latency it sleeps first."""
    latency = emulator.latency.get(request.path, emulator.latency.get("*", 0.0))
    return request.received_at + latency


def request_args(request: Request) -> dict[str, Any]:
    """A Web API call's arguments, JSON or form-encoded (slack_sdk sends both)."""
    if "json" in (request.header("content-type") or ""):
        body = request.json()
        return body if isinstance(body, dict) else {}
    return {k: v[-1] for k, v in parse_qs(request.raw_body.decode("utf-8", "replace")).items()}


def send_slash(app: Served, emulators: Emulators, user: str) -> tuple[str, float, httpx.Response]:
    """A signed /declare from `user` to `app`: (trigger_id, when it was sent, the ack)."""
    trigger = emulators.slack.issue_trigger()
    body = slash_command_body(
        user_id=user,
        user_name=user.lower(),
        channel_id=INCIDENTS,
        channel_name="incidents",
        trigger_id=trigger,
        response_url=emulators.slack.response_url(),
        team_id=TEAM,
    )
    sent = time.monotonic()
    return trigger, sent, app.caller.post(body)


def send_submission(
    app: Served, emulators: Emulators, view: dict[str, Any], values: dict[str, Any], user: str
) -> tuple[float, httpx.Response]:
    """A signed view_submission of `view` with `values`: (when it was sent, the ack)."""
    payload = view_submission(
        view, values, user_id=user, trigger_id=emulators.slack.issue_trigger(), team_id=TEAM
    )
    body = payload_body(payload)
    sent = time.monotonic()
    return sent, app.caller.post(body)


def new_calls(emulator: EmulatorServer, since: int, path: str) -> list[Request]:
    """Calls to `path` recorded after the first `since` requests (cheap to poll)."""
    with emulator.lock:
        fresh = emulator.requests[since:]
    return [r for r in fresh if r.path == path]


def view_for(emulators: Emulators, trigger: str) -> dict[str, Any] | None:
    """The modal opened with `trigger` (the bot puts it in private_metadata), once handled."""
    with emulators.slack.lock:
        views = list(emulators.slack.views.values())
    for view in reversed(views):
        try:
            origin = decode(view.get("private_metadata") or "").origin
        except ValueError:
            continue
        if origin.trigger_id == trigger:
            return dict(view)
    return None


def opened_views(emulators: Emulators) -> int:
    with emulators.slack.lock:
        return len(emulators.slack.views)


def medians_over_fresh_bots(
    runs: int,
    latency: float,
    settle: float,
    measure: Callable[[Emulators, Served], dict[str, Any]],
    done: Callable[[int], None],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`measure` on fresh emulators and a fresh bot per run (`done(run)` after each): the
    median over runs of each summary it returns, and every run's."""
    measured: list[dict[str, Any]] = []
    for run in range(runs):
        with ExitStack() as running:
            emulators = Emulators(latency).start()
            running.callback(emulators.stop)
            bot = running.enter_context(start_bot(emulators))
            time.sleep(settle)
            measured.append(measure(emulators, bot))
        done(run)
    return {k: over_runs([r[k] for r in measured]) for k in measured[0]}, measured
