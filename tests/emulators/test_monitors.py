"""The Datadog emulator's monitors: recorded shape, official model, 404, 403, faults."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
import yaml
from datadog_api_client.v1.model.monitor import Monitor as ClientMonitor

from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error
from tests.conftest import shared_path


@pytest.fixture
def emu() -> Iterator[DatadogEmulator]:
    server = DatadogEmulator()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(emu: DatadogEmulator) -> Iterator[httpx.Client]:
    headers = {"DD-API-KEY": emu.api_key, "DD-APPLICATION-KEY": emu.app_key}
    with httpx.Client(base_url=emu.url, headers=headers, timeout=5.0) as c:
        yield c


def seeded(emu: DatadogEmulator, **kwargs: object) -> int:
    return emu.add_monitor(
        "[P2] High CPU on {{host.name}}",
        message="CPU is high. Runbook: https://wiki.example/cpu @pagerduty-payments",
        tags=("service:checkout", "team:payments", "env:prod"),
        priority=2,
        **kwargs,  # type: ignore[arg-type]
    )


def test_monitor_answer_has_the_recorded_keys_and_the_official_model_reads_it(
    emu: DatadogEmulator, client: httpx.Client
) -> None:
    monitor_id = seeded(emu)
    response = client.get(f"/api/v1/monitor/{monitor_id}")
    assert response.status_code == 200
    body = response.json()
    assert model_error(body, ClientMonitor) is None
    assert body["id"] == monitor_id and body["priority"] == 2
    assert body["overall_state"] == "Alert" and body["type"] == "query alert"
    assert body["tags"] == ["service:checkout", "team:payments", "env:prod"]
    assert "matching_downtimes" not in body
    recording = yaml.safe_load(
        shared_path(
            "datadog", "v1", "test_get_a_monitors_details_returns_ok_response.yaml"
        ).read_text()
    )
    recorded = next(
        json.loads(i["response"]["body"]["string"])
        for i in recording["interactions"]
        if i["request"]["method"] == "GET"
    )
    recorded.pop("matching_downtimes", None)
    assert list(body) == list(recorded)
    with_downtimes = client.get(f"/api/v1/monitor/{monitor_id}", params={"with_downtimes": "true"})
    assert with_downtimes.json()["matching_downtimes"] == []


def test_no_priority_and_state_changes_stay_readable(
    emu: DatadogEmulator, client: httpx.Client
) -> None:
    monitor_id = emu.add_monitor("Disk full", tags=(), priority=None, monitor_type="metric alert")
    body = client.get(f"/api/v1/monitor/{monitor_id}").json()
    assert body["priority"] is None and model_error(body, ClientMonitor) is None
    emu.set_monitor_state(monitor_id, "OK")
    body = client.get(f"/api/v1/monitor/{monitor_id}").json()
    assert body["overall_state"] == "OK" and model_error(body, ClientMonitor) is None


def test_seeding_refuses_what_datadog_would_never_serve(emu: DatadogEmulator) -> None:
    with pytest.raises(ValueError, match="not a monitor"):
        emu.add_monitor("x", monitor_type="bogus alert")
    with pytest.raises(ValueError, match="not a monitor"):
        emu.add_monitor("x", overall_state="Burning")
    monitor_id = emu.add_monitor("ok")
    with pytest.raises(ValueError):
        emu.set_monitor_state(monitor_id, "Burning")


def test_missing_and_deleted_monitors_are_the_recorded_404(
    emu: DatadogEmulator, client: httpx.Client
) -> None:
    monitor_id = seeded(emu)
    emu.delete_monitor(monitor_id)
    for path in (f"/api/v1/monitor/{monitor_id}", "/api/v1/monitor/1", "/api/v1/monitor/abc"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"errors": ["Monitor not found"]}


def test_without_monitors_read_is_a_v1_403(emu: DatadogEmulator, client: httpx.Client) -> None:
    monitor_id = seeded(emu)
    emu.permissions.discard("monitors_read")
    response = client.get(f"/api/v1/monitor/{monitor_id}")
    assert response.status_code == 403
    assert response.json() == {"errors": ["Failed permission authorization checks"]}
    wrong_key = client.get(f"/api/v1/monitor/{monitor_id}", headers={"DD-APPLICATION-KEY": "nope"})
    assert wrong_key.status_code == 403


def test_monitor_faults_and_latency_like_other_routes(
    emu: DatadogEmulator, client: httpx.Client
) -> None:
    monitor_id = seeded(emu)
    emu.inject("GET /api/v1/monitor/{id}", status=500)
    assert client.get(f"/api/v1/monitor/{monitor_id}").status_code == 500
    assert client.get(f"/api/v1/monitor/{monitor_id}").status_code == 200
    emu.latency[f"/api/v1/monitor/{monitor_id}"] = 0.2
    started = time.monotonic()
    assert client.get(f"/api/v1/monitor/{monitor_id}").status_code == 200
    assert time.monotonic() - started >= 0.2
    emu.rate_limit("GET /api/v1/monitor/{id}", limit=1, period=60)
    assert client.get(f"/api/v1/monitor/{monitor_id}").status_code == 200
    limited = client.get(f"/api/v1/monitor/{monitor_id}")
    assert limited.status_code == 429 and limited.headers["X-RateLimit-Limit"] == "1"
