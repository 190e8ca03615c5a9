"""Datadog faults on the incident create, injected in the emulator; the real bot over HTTP.

Creating an incident is not idempotent, so after any failure that may have reached Datadog
the bot looks for the incident before creating again. Each test ends with exactly one
incident and one announcement, or with a clear failure and a Retry that resumes it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.declare.runner import RunnerPolicy
from bot.emulators.personas import ALICE, INCIDENTS
from bot.emulators.stack import LocalStack
from tests import figures
from tests.exactly_once import (
    assert_exactly_once,
    click_retry,
    retry_buttons,
    text_of,
    wait_for,
)

CREATE = "POST /api/v2/incidents"


def inject(stack: LocalStack, kind: str, route: str = CREATE, times: int = 1, **fault: Any) -> None:
    """Queue a Datadog fault and count it for the figures."""
    stack.datadog.inject(route, times=times, **fault)
    figures.fault(f"datadog {kind}", times)


def declare(stack: LocalStack, title: str) -> None:
    response = stack.declare(title)
    assert response.status_code == 200, response.text
    assert response.json().get("response_action") == "update"


def only_record(stack: LocalStack) -> DeclarationRecord:
    (record,) = stack.services.store.all()
    return record


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_after_looking_for_the_incident(
    stack: LocalStack, status: int
) -> None:
    inject(stack, f"{status} on create", status=status, times=2)
    declare(stack, f"Checkout {status}")
    stack.wait_done()
    record = only_record(stack)
    assert record.step is Step.DONE and record.attempts == 2
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == 3
    # Before each of the two retries it looked for an incident the failed try made.
    assert len(stack.datadog.calls("/api/v2/incidents/search")) >= 2
    assert_exactly_once(stack, f"Checkout {status}")


def test_rate_limit_waits_as_x_ratelimit_reset_says(stack: LocalStack) -> None:
    inject(stack, "429 on create", status=429, headers={"X-RateLimit-Reset": "2"})
    declare(stack, "Rate limited")
    started = time.monotonic()
    stack.wait_done(timeout=15)
    posts = stack.datadog.calls("/api/v2/incidents", "POST")
    assert len(posts) == 2
    gap = posts[1].received_at - posts[0].received_at
    assert 2.0 <= gap < 4.0, f"waited {gap:.2f}s, Datadog asked for 2s"
    assert time.monotonic() - started < 10
    figures.timing("datadog 429 wait (asked 2s)", gap)
    assert_exactly_once(stack, "Rate limited")


def test_connection_reset_after_the_create_was_sent_finds_the_incident(
    stack: LocalStack,
) -> None:
    inject(stack, "connection reset after create (incident made)", lose_response=True)
    declare(stack, "Lost response")
    stack.wait_done()
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == 1, "not created twice"
    record = only_record(stack)
    assert record.step is Step.DONE and record.public_id == 1
    cells = stack.datadog.timeline(record.incident_id or "")
    assert f"Declaration key: `{record.key}`" in cells[-1]["content"]["content"]
    assert_exactly_once(stack, "Lost response")


def test_connection_dropped_before_the_create_was_processed_creates_it(
    stack: LocalStack,
) -> None:
    inject(stack, "connection dropped before create", drop=True)
    declare(stack, "Dropped")
    stack.wait_done()
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == 2
    assert_exactly_once(stack, "Dropped")


@pytest.fixture
def slow_stack() -> Iterator[LocalStack]:
    """Datadog requests time out after 0.5 s; an ambiguous create settles 1.5 s."""
    policy = RunnerPolicy(backoff=0.01, max_backoff=0.05, settle=1.5)
    with LocalStack(datadog_timeout=0.5, runner_policy=policy) as running:
        yield running


def test_timeout_while_datadog_still_creates_finds_the_incident(slow_stack: LocalStack) -> None:
    stack = slow_stack
    # Datadog answers after 1 s: the bot gives up at 0.5 s, the incident lands at 1 s.
    inject(stack, "timeout on create (incident made late)", delay=1.0)
    declare(stack, "Slow create")
    stack.wait_done(timeout=15)
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == 1
    assert only_record(stack).step is Step.DONE
    assert_exactly_once(stack, "Slow create")


def test_search_index_lag_falls_back_to_the_incident_list(stack: LocalStack) -> None:
    """Datadog's search can miss a fresh incident; the list can't. 200 old ones come first."""
    for number in range(200):
        stack.datadog.declare(
            {
                "data": {
                    "type": "incidents",
                    "attributes": {"title": f"Old {number}", "customer_impacted": False},
                }
            }
        )
    with stack.datadog.lock:
        for incident in stack.datadog.incidents.values():
            incident["attributes"]["created"] = "2024-01-01T00:00:00+00:00"
    empty_search = {
        "data": {
            "type": "incidents_search_results",
            "attributes": {"incidents": [], "total": 0},
        }
    }
    inject(stack, "connection reset after create (incident made)", lose_response=True)
    inject(
        stack,
        "search index lag (empty search)",
        route="GET /api/v2/incidents/search",
        status=200,
        body=empty_search,
    )
    declare(stack, "Unindexed")
    stack.wait_done()
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == 1
    list_calls = stack.datadog.calls("/api/v2/incidents", "GET")
    assert 0 < len(list_calls) <= 25, "a binary search, not a scan of every page"
    assert only_record(stack).public_id == 201
    assert_exactly_once(stack, "Unindexed")


def test_giving_up_tells_why_and_retry_resumes_the_same_declaration(stack: LocalStack) -> None:
    attempts = stack.services.runner.policy.create_attempts
    inject(stack, "503 on create", status=503, times=attempts)
    declare(stack, "Gave up")
    stack.wait_done()
    record = only_record(stack)
    assert record.step is Step.FAILED and record.failed_at is Step.COMMANDER_RESOLVED
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == attempts, "bounded"
    assert "503" in (record.error or "") and "Service Unavailable" in (record.error or "")

    (notice,) = [m for m in stack.slack.ephemerals(INCIDENTS) if m["user"] == ALICE]
    assert "Service Unavailable" in text_of(notice)
    assert retry_buttons(notice) == [record.key]
    modal = stack.slack.calls_of("views.update")[-1]["view"]
    assert modal["title"]["text"] == "Not declared"

    # Two presses of Retry: one resumed declaration, still the same record.
    assert click_retry(stack, record.key) == 200
    assert click_retry(stack, record.key) == 200
    wait_for(lambda: only_record(stack).step is Step.DONE, what="the retried declaration")
    assert only_record(stack).key == record.key
    assert any("Retrying" in r.get("text", "") for r in stack.slack.responses)
    assert_exactly_once(stack, "Gave up")


def test_retry_of_an_unknown_declaration_says_so(stack: LocalStack) -> None:
    assert click_retry(stack, "dk-0000000000000000") == 200
    wait_for(lambda: stack.slack.responses, what="the answer")
    assert "no longer stored" in stack.slack.responses[-1]["text"]
    assert stack.datadog.calls("/api/v2/incidents", "POST") == []
