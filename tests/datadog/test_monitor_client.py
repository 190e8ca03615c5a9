"""Reading a monitor over real HTTP: DatadogClient.get_monitor and the gateway's MonitorReader."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import (
    DatadogForbidden,
    DatadogNotFound,
    DatadogRateLimited,
    DatadogServerError,
    DatadogTimeout,
    DatadogUnreadableResponse,
)
from bot.datadog.gateway import DatadogGateway
from bot.domain.monitor.alert import Monitor, MonitorNotRead, MonitorReader
from bot.emulators.datadog import DatadogEmulator

ROUTE = "GET /api/v1/monitor/{id}"


@pytest.fixture
def emulator() -> Iterator[DatadogEmulator]:
    with DatadogEmulator() as running:
        yield running


@pytest.fixture
def client(emulator: DatadogEmulator) -> Iterator[DatadogClient]:
    sleeps: list[float] = []
    made = DatadogClient(
        emulator.api_key,
        emulator.app_key,
        base_url=emulator.url,
        retry=RetryPolicy(sleep=sleeps.append),
    )
    yield made
    made.close()


def seed(emulator: DatadogEmulator) -> int:
    return emulator.add_monitor(
        "[P1] Checkout 5xx on {{service.name}}",
        message="Page @pagerduty-checkout",
        tags=("service:checkout", "team:payments"),
        priority=1,
        overall_state="Alert",
    )


def test_get_monitor_reads_the_domain_monitor(
    emulator: DatadogEmulator, client: DatadogClient
) -> None:
    monitor_id = seed(emulator)
    monitor = client.get_monitor(monitor_id)
    assert monitor == Monitor(
        id=monitor_id,
        name="[P1] Checkout 5xx on {{service.name}}",
        message="Page @pagerduty-checkout",
        query=emulator.monitors[monitor_id]["query"],
        type="query alert",
        tags=("service:checkout", "team:payments"),
        priority=1,
        overall_state="Alert",
    )
    (call,) = emulator.calls(f"/api/v1/monitor/{monitor_id}")
    assert call.header("DD-APPLICATION-KEY") == emulator.app_key


def test_typed_errors_and_no_retries(emulator: DatadogEmulator, client: DatadogClient) -> None:
    monitor_id = seed(emulator)
    with pytest.raises(DatadogNotFound) as missing:
        client.get_monitor(monitor_id + 1000)
    assert missing.value.messages == ["Monitor not found"]
    emulator.permissions.discard("monitors_read")
    with pytest.raises(DatadogForbidden) as forbidden:
        client.get_monitor(monitor_id)
    assert "monitors_read" in forbidden.value.user_message
    emulator.permissions.add("monitors_read")
    emulator.inject(ROUTE, status=503)
    with pytest.raises(DatadogServerError):
        client.get_monitor(monitor_id)
    emulator.inject(ROUTE, status=429)
    with pytest.raises(DatadogRateLimited):
        client.get_monitor(monitor_id)
    emulator.inject(ROUTE, status=200, body={"errors": []})
    with pytest.raises(DatadogUnreadableResponse):
        client.get_monitor(monitor_id)
    # One request each: a form update can't wait for retries.
    assert len(emulator.calls(f"/api/v1/monitor/{monitor_id}")) == 4


def test_a_slow_monitor_is_a_timeout_quickly(
    emulator: DatadogEmulator, client: DatadogClient
) -> None:
    monitor_id = seed(emulator)
    emulator.inject(ROUTE, delay=1.0)
    started = time.monotonic()
    with pytest.raises(DatadogTimeout):
        client.get_monitor(monitor_id, timeout=httpx.Timeout(0.2))
    assert time.monotonic() - started < 0.9


def test_gateway_says_why_a_monitor_was_not_read(
    emulator: DatadogEmulator, client: DatadogClient
) -> None:
    gateway: MonitorReader = DatadogGateway(client, monitor_timeout=0.2)
    assert gateway.site == "datadoghq.com"
    monitor_id = seed(emulator)
    assert gateway.read_monitor(monitor_id).priority == 1
    reasons = []
    emulator.inject(ROUTE, delay=1.0)
    for arrange in (
        lambda: None,
        lambda: emulator.delete_monitor(monitor_id),
        lambda: emulator.permissions.discard("monitors_read"),
    ):
        arrange()
        with pytest.raises(MonitorNotRead) as caught:
            gateway.read_monitor(monitor_id)
        reasons.append(caught.value.reason)
    assert reasons == [
        f"monitor {monitor_id} was not read: Datadog did not answer in time",
        f"Datadog has no monitor {monitor_id} (deleted, or in another organization)",
        f"monitor {monitor_id} was not read: the application key lacks monitors_read "
        "(add that scope to fill the form from monitors)",
    ]
