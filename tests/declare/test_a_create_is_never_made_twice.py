"""H1: a create that may have reached Datadog is never made twice, whatever follows it.

Each case makes the first create land in Datadog while its answer is lost or unreadable,
and keeps search and list failing (503, or 429 as in a surge) until the runner gives up
and offers Retry. Retry (in the same bot, or in one restarted on the same store) must
find the incident instead of creating another: one incident, one announcement.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from bot.domain.declare.record import Step
from bot.emulators.personas import INCIDENTS
from bot.emulators.slack.inbound import BotCaller
from bot.emulators.stack import FAST_RETRY, FAST_RUNNER, SIGNING_SECRET, LocalStack
from bot.server import HttpServer
from bot.services import build_services
from bot.store.sqlite import SqliteStore
from tests.exactly_once import (
    announcements,
    assert_exactly_once,
    click_retry,
    incidents_titled,
    wait_for,
)

CREATE = "POST /api/v2/incidents"
READS = ("GET /api/v2/incidents/search", "GET /api/v2/incidents")

CREATE_FAULTS: dict[str, dict[str, Any]] = {
    "dropped": {"lose_response": True},
    "empty_201": {"body": ""},
    "braces_201": {"body": "{}"},
}
"""How the first create's answer goes missing, while the incident is made."""

READ_FAULTS: dict[str, dict[str, Any]] = {
    "503": {"status": 503},
    "429": {"status": 429, "headers": {"X-RateLimit-Reset": "0"}},
}
"""How looking for it fails until the runner gives up."""


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "declare.sqlite3"


@pytest.fixture
def file_stack(store_path: Path) -> Iterator[LocalStack]:
    with LocalStack(store=SqliteStore(store_path)) as running:
        yield running


def restart_bot(stack: LocalStack, store_path: Path) -> None:
    """Stop the bot and start a fresh one on the same store file (emulators stay up)."""
    stack.caller.close()
    stack.server.stop()
    stack.services.shutdown()
    stack.services.store.close()  # type: ignore[attr-defined]
    stack.services = build_services(
        stack.settings,
        store=SqliteStore(store_path),
        retry=FAST_RETRY,
        runner_policy=FAST_RUNNER,
    )
    stack.app = create_app(stack.services)
    stack.server = HttpServer(stack.app, host="127.0.0.1", port=0).start()
    stack.caller = BotCaller(stack.server.url, SIGNING_SECRET)


def only_record_step(stack: LocalStack) -> Step:
    (record,) = stack.services.store.all()
    return record.step


@pytest.mark.parametrize("restart", [False, True], ids=["retry", "restart_then_retry"])
@pytest.mark.parametrize("read_fault", list(READ_FAULTS))
@pytest.mark.parametrize("create_fault", list(CREATE_FAULTS))
def test_retry_after_a_create_that_may_have_landed_makes_no_second_incident(
    file_stack: LocalStack, store_path: Path, create_fault: str, read_fault: str, restart: bool
) -> None:
    stack = file_stack
    title = f"H1 {create_fault} {read_fault}"
    stack.datadog.inject(CREATE, **CREATE_FAULTS[create_fault])
    for route in READS:
        stack.datadog.inject(route, times=10_000, **READ_FAULTS[read_fault])
    assert stack.declare(title).status_code == 200
    stack.wait_done(timeout=30)
    (failed,) = stack.services.store.all()
    assert failed.step is Step.FAILED
    assert len(incidents_titled(stack.datadog, title)) == 1, "the first create landed"
    assert failed.create_started_at is not None, "the failure forgot that a create was sent"
    assert failed.attempts >= 1
    wait_for(lambda: bool(stack.slack.ephemerals(INCIDENTS)), what="the failure notice")
    stack.datadog.clear_faults()

    if restart:
        restart_bot(stack, store_path)
    assert click_retry(stack, failed.key) == 200
    wait_for(lambda: only_record_step(stack) is Step.DONE, timeout=20, what="the retry")
    assert_exactly_once(stack, title)
    (announcement,) = announcements(stack.slack, title)
    shown = json.dumps(announcement)
    assert "IR-1" in shown and "/incidents/1" in shown


@pytest.mark.parametrize("create_fault", ["empty_201", "braces_201"])
def test_an_unreadable_201_is_found_not_made_again(stack: LocalStack, create_fault: str) -> None:
    """With search working, the runner finds the incident itself: no failure, no Retry."""
    title = f"Unreadable {create_fault}"
    stack.datadog.inject(CREATE, **CREATE_FAULTS[create_fault])
    stack.declare(title)
    stack.wait_done(timeout=20)
    (record,) = stack.services.store.all()
    assert record.step is Step.DONE, record.error
    assert record.public_id == 1
    assert_exactly_once(stack, title)


def test_a_201_without_public_id_is_completed_with_a_get(stack: LocalStack) -> None:
    def without_public_id(body: Any) -> Any:
        body = json.loads(json.dumps(body))
        body["data"]["attributes"].pop("public_id", None)
        return body

    stack.datadog.inject(CREATE, body=without_public_id)
    stack.declare("No public id")
    stack.wait_done(timeout=20)
    (record,) = stack.services.store.all()
    assert record.step is Step.DONE, record.error
    assert record.public_id == 1
    assert record.incident_url is not None and record.incident_url.endswith("/incidents/1")
    (announcement,) = announcements(stack.slack, "No public id")
    shown = json.dumps(announcement)
    assert "IR-0" not in shown and "/incidents/0" not in shown
    assert stack.datadog.calls(f"/api/v2/incidents/{record.incident_id}", "GET")
    assert_exactly_once(stack, "No public id")
