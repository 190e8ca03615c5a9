"""Logs of a whole declaration: one line per step with one id, levels, JSON, no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.emulators.slack import SlackEmulator
from bot.emulators.stack import LocalStack
from bot.logs import MASK, QUIET_UNLESS_SET, configure_logging

STEPS = (
    "declaration started",
    "declaration accepted",
    "commander resolved",
    "incident 1 created",
    "announced",
    "thread reply posted",
)
"""The step lines, in order, from /declare to the thread reply."""


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    levels = {name: logging.getLogger(name).level for name in QUIET_UNLESS_SET}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def declare_and_log(env: dict[str, str]) -> tuple[LocalStack, str]:
    """Configure logging from the stack's settings as `declare-bot run` does, declare once."""
    buffer = io.StringIO()
    with LocalStack(env=env) as stack:
        settings = stack.settings
        handler = configure_logging(
            settings.log_level, settings.log_format, settings.secret_values()
        )
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(buffer)
        response = stack.declare("Checkout API 5xx", severity="SEV-2", people=["U0BOB"])
        assert response.status_code == 200
        stack.wait_done()
        stack.slack.wait_for("/api/views.update")  # the last call, after the last step line
        return stack, buffer.getvalue()


def step_lines(lines: list[str]) -> list[str]:
    found = []
    for step in STEPS:
        matching = [line for line in lines if step in line]
        assert len(matching) == 1, f"{step!r}: {matching}"
        found.append(matching[0])
    return found


def test_text_logs_one_line_per_step_with_one_declaration_id(restore_logging: None) -> None:
    stack, output = declare_and_log({})
    (record,) = stack.services.store.all()
    lines = output.splitlines()
    steps = step_lines(lines)
    assert all(f"[{record.key}]" in line for line in steps), steps
    assert [lines.index(line) for line in steps] == sorted(lines.index(line) for line in steps)
    assert all(" INFO " in line for line in steps)


def test_json_lines_carry_the_declaration_id(restore_logging: None) -> None:
    stack, output = declare_and_log({"LOG_FORMAT": "json"})
    (record,) = stack.services.store.all()
    entries = [json.loads(line) for line in output.splitlines()]  # every line is JSON
    assert all({"ts", "level", "logger", "declaration", "message"} <= set(e) for e in entries)
    for step in STEPS:
        (entry,) = [e for e in entries if step in e["message"]]
        assert entry["declaration"] == record.key
        assert entry["level"] == "INFO"


def test_log_level_comes_from_log_level(restore_logging: None) -> None:
    _, quiet = declare_and_log({"LOG_LEVEL": "WARNING"})
    assert " INFO " not in quiet and " DEBUG " not in quiet
    _, loud = declare_and_log({"LOG_LEVEL": "DEBUG"})
    assert " DEBUG " in loud


def test_no_secret_appears_in_the_logs_of_a_declaration(restore_logging: None) -> None:
    """DEBUG logs everything the libraries log too (request bodies, headers)."""
    stack, output = declare_and_log({"LOG_LEVEL": "DEBUG"})
    secrets = stack.settings.secret_values()
    assert len(secrets) == 4  # both Datadog keys, the bot token, the signing secret
    for secret in secrets:
        assert secret not in output
    assert "chat.postMessage" in output  # slack_sdk's debug lines were captured


def test_every_kind_of_secret_is_masked(restore_logging: None) -> None:
    secrets = ["xoxb-1-bot", "xapp-1-app", "sign-secret-123", "redis://:pw@host:6379/0"]
    handler = configure_logging("DEBUG", "text", secrets)
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    log = logging.getLogger("bot.test")
    log.info("token %s and app token %s", secrets[0], secrets[1])
    log.warning("in the message itself: %s", {"secret": secrets[2]})
    try:
        raise RuntimeError(f"cannot connect to {secrets[3]}")
    except RuntimeError:
        log.exception("store failed")
    output = buffer.getvalue()
    assert not any(secret in output for secret in secrets), output
    assert output.count(MASK) == 4


class CountedRepr(str):
    """A string that counts how often a log line was built around it."""

    built = 0

    def __repr__(self) -> str:
        CountedRepr.built += 1
        return super().__repr__()


def test_library_debug_lines_are_built_only_at_debug(restore_logging: None) -> None:
    """slack_sdk tests its own logger's level, not the effective one: left unset, every call
    formats its whole JSON body into a debug line that is then dropped (some 75 µs for the
    declare form, on /declare's path to views.open)."""
    slack = SlackEmulator()
    with slack:
        for level, built in (("WARNING", False), ("DEBUG", True)):
            configure_logging(level, "text", [])
            client = WebClient(token=slack.bot_token, base_url=slack.url + "/api/")
            CountedRepr.built = 0
            assert client.api_call("auth.test", json={"probe": CountedRepr("x")})["ok"]
            assert (CountedRepr.built > 0) is built, level
            for name in QUIET_UNLESS_SET:
                assert logging.getLogger(name).level == logging.getLevelName(level)
