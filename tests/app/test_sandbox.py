"""The sandbox: one declaration through the real bot and emulators, told as a transcript."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SETTINGS
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.slack import SlackEmulator
from bot.emulators.stack import SIGNING_SECRET
from bot.sandbox import TITLE, run_sandbox

SECRETS = (
    SIGNING_SECRET,
    SlackEmulator().bot_token,
    DatadogEmulator().api_key,
    DatadogEmulator().app_key,
)


def body_after(transcript: str, heading: str) -> object:
    """The JSON printed (as `│ ` lines) right after `heading`."""
    lines = transcript.splitlines()
    start = next(i for i, text in enumerate(lines) if text.strip() == heading)
    body = []
    for text in lines[start + 2 :]:
        if not text.strip().startswith("│"):
            break
        body.append(text.split("│ ", 1)[1])
    return json.loads("\n".join(body))


@pytest.fixture(scope="module")
def transcript() -> str:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    out = io.StringIO()
    assert run_sandbox(out) == 0, out.getvalue()
    assert (list(root.handlers), root.level) == before, "the sandbox must restore logging"
    return out.getvalue()


def test_the_transcript_walks_every_step_in_order(transcript: str) -> None:
    steps = [
        f"@alice types `/declare {TITLE}` in #incidents",
        "Slack → bot  POST /slack/events",
        "X-Slack-Signature: v0=",
        "bot → Slack  HTTP 200",
        "bot → Slack  views.open",
        "The modal Slack shows @alice",
        "Slack → bot  view_submission",
        "response_action=update",
        "bot → Datadog POST /api/v2/incidents",
        "bot → Slack  chat.update: the announcement in #incidents, completed in place",
        "bot → Slack  views.update",
        "✓ Declared IR-1",
        "Connect a real workspace",
    ]
    positions = [transcript.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p == -1]
    assert positions == sorted(positions), "steps out of order"
    # The placeholder goes beside the create, the thread reply beside its edit (issue 15).
    posted = transcript.find("bot → Slack  chat.postMessage: message in #incidents")
    reply = transcript.find("bot → Slack  chat.postMessage: thread reply in #incidents")
    assert positions[steps.index("response_action=update")] < posted < positions[-4]
    assert positions[steps.index("bot → Datadog POST /api/v2/incidents")] < reply


def test_the_exact_datadog_body_is_shown(transcript: str) -> None:
    heading = "bot → Datadog POST /api/v2/incidents"
    lines = transcript.splitlines()
    start = next(i for i, text in enumerate(lines) if text.strip() == heading)
    assert lines[start + 1].strip() == "exact request body, pretty-printed:"
    body = body_after(transcript, heading)
    assert isinstance(body, dict)
    attributes = body["data"]["attributes"]
    assert attributes["title"] == TITLE
    assert attributes["fields"]["severity"] == {"type": "dropdown", "value": "SEV-2"}
    assert attributes["customer_impact_scope"] == "EU customers cannot check out"
    assert body["data"]["relationships"]["commander_user"]["data"]["type"] == "users"


def test_the_messages_posted_are_readable(transcript: str) -> None:
    assert "▌ 🚨 IR-1: Checkout API 5xx in eu-west-1" in transcript
    assert "*Commander* @alice" in transcript
    assert "[Open in Datadog] → https://app.datadoghq.com/incidents/1" in transcript
    assert "is open in Datadog" in transcript  # the thread reply


def test_the_log_carries_one_declaration_id(transcript: str) -> None:
    key = re.search(r"Declaration id: (dk-[0-9a-f]+)", transcript)
    assert key is not None
    tagged = [line for line in transcript.splitlines() if f"[{key.group(1)}]" in line]
    for step in ("declaration started", "declaration accepted", "thread reply posted"):
        assert any(step in line for line in tagged), step


def test_it_says_how_to_connect_a_real_workspace(transcript: str) -> None:
    for hint in ("manifests/socket-mode.json", "cp .env.example .env", "declare-bot check"):
        assert hint in transcript


def test_no_secret_in_the_transcript(transcript: str) -> None:
    for secret in SECRETS:
        assert secret not in transcript


@pytest.mark.parametrize("argv", [[], ["sandbox"]], ids=["run-without-credentials", "sandbox"])
def test_make_run_on_a_fresh_clone_shows_the_sandbox(argv: list[str], tmp_path: Path) -> None:
    """No .env and no Slack token: `make run` (python -m bot) runs the sandbox, exit 0."""
    names = {doc.env for doc in SETTINGS}
    env = {k: v for k, v in os.environ.items() if k not in names}
    done = subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if not argv:
        assert done.stdout.startswith("No Slack credentials found")
    assert "✓ Declared IR-1" in done.stdout
    assert "Connect a real workspace" in done.stdout
    assert not list(tmp_path.iterdir()), "the sandbox leaves no files behind"
