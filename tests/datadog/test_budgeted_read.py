"""The read before an ack (issue 20 §3): one attempt within a budget, against the emulator.

Slack gives up on an ack after 3 s, so a submit that must read Datadog first reads it once,
within `ACK_READ_BUDGET` seconds: no retry, no 429 wait, `ReadTooSlow` for the person.
The emulator records every call, so "no retry" is counted, not assumed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from bot.datadog.client import OPEN_QUERY, DatadogClient, RetryPolicy
from bot.datadog.errors import DatadogRateLimited, DatadogTimeout
from bot.datadog.incident_updates import DatadogIncidents
from bot.datadog.transport import within
from bot.domain.reliability.outcomes import DATADOG_SLOW, ReadTooSlow, StepFailed
from bot.domain.reliability.policy import ACK_READ_BUDGET
from bot.emulators.datadog import DatadogEmulator
from tests.datadog.conftest import Sleeps

SLOW = 8.0
"""Issue 20's slow Datadog: search and incident reads answer 8 s late."""
SLACK = 0.2
"""How far past its budget a budgeted read may end."""
INCIDENT_ROUTE = "GET /api/v2/incidents/{iid}"
SEARCH_ROUTE = "GET /api/v2/incidents/search"


@pytest.fixture
def client(emu: DatadogEmulator, sleeps: Sleeps) -> Iterator[DatadogClient]:
    """The production retry policy (2 read retries, 3 waited 429s), its sleeps recorded."""
    dd = DatadogClient(emu.api_key, emu.app_key, base_url=emu.url, retry=RetryPolicy(sleep=sleeps))
    yield dd
    dd.close()


@pytest.fixture
def incident_id(emu: DatadogEmulator) -> str:
    body = {
        "data": {"type": "incidents", "attributes": {"title": "Slow", "customer_impacted": False}}
    }
    return str(emu.declare(body)["id"])


def _gets(emu: DatadogEmulator, incident_id: str) -> int:
    return len(emu.calls(f"/api/v2/incidents/{incident_id}", "GET"))


def test_the_ack_budget_leaves_room_in_slacks_three_seconds() -> None:
    assert 0 < ACK_READ_BUDGET <= 1.5
    assert len(DATADOG_SLOW) <= 150  # a modal's field error
    assert len(ReadTooSlow.rate_limited(3600).reason) <= 150


@pytest.mark.parametrize("budget", [0.05, 0.3, ACK_READ_BUDGET, 10.0])
def test_the_timeouts_of_one_attempt_sum_to_at_most_the_budget(budget: float) -> None:
    timeout = within(budget)
    assert timeout.pool is not None and timeout.connect is not None and timeout.read is not None
    assert timeout.pool + timeout.connect + timeout.read <= budget + 1e-9
    assert timeout.read >= budget / 2


def test_a_slow_read_gives_up_at_its_budget_once(
    emu: DatadogEmulator, client: DatadogClient, sleeps: Sleeps, incident_id: str
) -> None:
    emu.slow(INCIDENT_ROUTE, SLOW)
    incidents = DatadogIncidents(client)
    started = time.monotonic()
    with pytest.raises(ReadTooSlow) as raised:
        incidents.current_incident(incident_id, budget=ACK_READ_BUDGET)
    took = time.monotonic() - started
    assert took <= ACK_READ_BUDGET + SLACK, took
    assert raised.value.reason == DATADOG_SLOW
    assert raised.value.retryable
    time.sleep(0.3)  # a retry, had one been sent, would have arrived by now
    assert _gets(emu, incident_id) == 1
    assert sleeps == []


def test_a_rate_limited_read_is_answered_at_once(
    emu: DatadogEmulator, client: DatadogClient, sleeps: Sleeps, incident_id: str
) -> None:
    emu.inject(INCIDENT_ROUTE, status=429, headers={"X-RateLimit-Reset": "30"}, times=5)
    started = time.monotonic()
    with pytest.raises(ReadTooSlow) as raised:
        DatadogIncidents(client).current_incident(incident_id, budget=ACK_READ_BUDGET)
    assert time.monotonic() - started < 0.5
    assert "rate-limiting" in raised.value.reason and "30 s" in raised.value.reason
    assert raised.value.wait == 30.0
    assert _gets(emu, incident_id) == 1
    assert sleeps == []  # the policy would have waited the reset out three times


def test_a_server_error_is_not_retried_and_says_datadogs_reason(
    emu: DatadogEmulator, client: DatadogClient, sleeps: Sleeps, incident_id: str
) -> None:
    emu.inject(INCIDENT_ROUTE, status=503, times=5)
    with pytest.raises(StepFailed) as raised:
        DatadogIncidents(client).current_incident(incident_id, budget=ACK_READ_BUDGET)
    assert not isinstance(raised.value, ReadTooSlow)
    assert "503" in raised.value.reason
    assert _gets(emu, incident_id) == 1
    assert sleeps == []


def test_a_read_within_its_budget_is_the_current_incident(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    emu.slow(INCIDENT_ROUTE, 0.2)  # slow, but within the budget
    view = DatadogIncidents(client).current_incident(incident_id, budget=ACK_READ_BUDGET)
    assert view.title == "Slow"
    assert _gets(emu, incident_id) == 1


def test_a_budgeted_search_is_one_attempt_too(
    emu: DatadogEmulator, client: DatadogClient, sleeps: Sleeps
) -> None:
    emu.slow(SEARCH_ROUTE, SLOW)
    started = time.monotonic()
    with pytest.raises(DatadogTimeout):
        client.search_incidents(OPEN_QUERY, budget=0.5)
    assert time.monotonic() - started <= 0.5 + SLACK
    emu.clear_faults()
    emu.inject(SEARCH_ROUTE, status=429, headers={"X-RateLimit-Reset": "9"}, times=5)
    with pytest.raises(DatadogRateLimited):
        client.search_incidents(OPEN_QUERY, budget=0.5)
    time.sleep(0.3)
    assert len(emu.calls("/api/v2/incidents/search")) == 2
    assert sleeps == []


def test_a_slowdown_lasts_until_cleared(emu: DatadogEmulator, incident_id: str) -> None:
    emu.slow(INCIDENT_ROUTE, 0.3)
    with httpx.Client(
        base_url=emu.url,
        headers={"DD-API-KEY": emu.api_key, "DD-APPLICATION-KEY": emu.app_key},
        timeout=5.0,
    ) as http:
        for _ in range(2):  # not used up like an injected delay
            started = time.monotonic()
            assert http.get(f"/api/v2/incidents/{incident_id}").status_code == 200
            assert time.monotonic() - started >= 0.3
        emu.clear_faults()
        started = time.monotonic()
        assert http.get(f"/api/v2/incidents/{incident_id}").status_code == 200
        assert time.monotonic() - started < 0.3
