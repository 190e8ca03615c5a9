"""`declare-bot sandbox` (and `make run` without Slack credentials): the walk-throughs, locally.

Starts the Slack and Datadog emulators and the real bot over HTTP (`LocalStack`), then walks
a declaration from /declare (transcript.py), one from a Datadog monitor alert (alert.py),
and an update and a resolve from the card (lifecycle.py), printing what crossed each wire;
then how to connect a real workspace. Nothing leaves the machine.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from bot.logs import configure_logging
from bot.sandbox.alert import walk_alert
from bot.sandbox.cadence import walk_cadence
from bot.sandbox.lifecycle import walk_lifecycle
from bot.sandbox.paging import walk_paging
from bot.sandbox.postmortem import walk_postmortem
from bot.sandbox.record import walk_record
from bot.sandbox.responders import walk_responders
from bot.sandbox.status_page import add_status_page
from bot.sandbox.transcript import TITLE, Transcript

__all__ = ["TITLE", "run_sandbox"]

CONNECT = """\
Connect a real workspace:
  1. Create the Slack app from manifests/socket-mode.json: https://api.slack.com/apps →
     Create New App → From a manifest. Install it, then create an app-level token with
     connections:write (Basic Information → App-Level Tokens).
  2. cp .env.example .env, and fill in SLACK_BOT_TOKEN, SLACK_APP_TOKEN, DD_API_KEY,
     DD_APP_KEY and DD_SITE.
  3. declare-bot check    (or: make check) until every line shows ✓
  4. make run             (the real bot, in Socket Mode)
The README walks through every step, and through HTTP mode (manifests/http.json)."""


@contextmanager
def captured_logs(buffer: io.StringIO, secrets: list[str]) -> Iterator[None]:
    """The bot's INFO log into `buffer`; the caller's logging is restored afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    handler = configure_logging("INFO", "text", secrets)
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        yield
    finally:
        root.removeHandler(handler)
        for existing in saved[0]:
            root.addHandler(existing)
        root.setLevel(saved[1])


def run_sandbox(out: TextIO | None = None) -> int:
    """Walk one declaration locally and print the transcript; 0 when it went through."""
    out = out or sys.stdout
    try:
        from bot.emulators.stack import LocalStack
    except ImportError as exc:
        print(f"The sandbox needs its extras: pip install -e '.[sandbox]' ({exc})", file=out)
        return 1
    buffer = io.StringIO()
    stack = LocalStack()
    add_status_page(stack)  # the walk publishes a notice there (bot/sandbox/status_page.py)
    with stack, captured_logs(buffer, stack.settings.secret_values()):
        transcript = Transcript(stack, out)
        declared = (
            transcript.declare()
            and walk_alert(transcript)
            and walk_responders(transcript)
            and walk_cadence(transcript)
            and walk_lifecycle(transcript)
            and walk_record(transcript)
            and walk_postmortem(transcript)
            and walk_paging(transcript)
        )
    print(
        "\nThe bot's log (LOG_FORMAT=text): one line per step, in [brackets] the declaration id",
        file=out,
    )
    for line in buffer.getvalue().splitlines():
        print(f"  {line}", file=out)
    print(f"\n{CONNECT}", file=out)
    return 0 if declared else 1
