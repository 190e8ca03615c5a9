"""The v1 monitor response: real recordings parse with our lenient model and the official one."""

from __future__ import annotations

import json

import pytest
import yaml
from datadog_api_client.v1.model.monitor import Monitor as ClientMonitor

from bot.datadog.monitors import MonitorResponse, monitor_path, parse_monitor
from bot.domain.monitor.alert import Monitor
from bot.emulators.datadog.validate import model_error
from tests.conftest import shared_path

RECORDINGS = (
    "test_get_a_monitors_details_returns_ok_response.yaml",
    "test_get_a_monitors_details_with_downtime_returns_ok_response.yaml",
)


@pytest.mark.parametrize("name", RECORDINGS)
def test_recorded_monitor_reads_parse_with_ours_and_the_official_model(name: str) -> None:
    recording = yaml.safe_load(shared_path("datadog", "v1", name).read_text())
    reads = [
        json.loads(i["response"]["body"]["string"])
        for i in recording["interactions"]
        if i["request"]["method"] == "GET" and "/api/v1/monitor/" in i["request"]["uri"]
    ]
    assert reads
    for body in reads:
        assert model_error(body, ClientMonitor) is None
        found = parse_monitor(body)
        assert found is not None
        assert found.id == body["id"] and found.name == body["name"]
        assert found.priority == 3 and found.overall_state == "No Data"
        assert found.type == "log alert" and "env:ci" in found.tags
        assert found.query.startswith("logs(")


def test_not_found_body_is_not_a_monitor() -> None:
    recording = yaml.safe_load(
        shared_path(
            "datadog",
            "v1",
            "test_get_a_monitors_details_returns_monitor_not_found_error_response.yaml",
        ).read_text()
    )
    body = json.loads(recording["interactions"][0]["response"]["body"]["string"])
    assert body == {"errors": ["Monitor not found"]}
    assert parse_monitor(body) is None


def test_lenient_monitor_model() -> None:
    body = {
        "id": 7,
        "name": None,
        "tags": ["a:b", 3, None, "", "x" * 300],
        "priority": 9,
        "overall_state": "OK",
        "query": "q",
        "type": "metric alert",
        "unknown": {"nested": True},
    }
    found = MonitorResponse.model_validate(body).to_domain()
    assert found == Monitor(id=7, query="q", type="metric alert", tags=("a:b",), overall_state="OK")
    assert found.recovered
    assert parse_monitor({"id": 7, "priority": True}) == Monitor(id=7)
    assert parse_monitor({"name": "no id"}) is None and parse_monitor([]) is None
    assert model_error(body | {"tags": ["a:b"], "priority": None}, ClientMonitor) is None
    assert monitor_path(42) == "/api/v1/monitor/42"
    for bad in (0, -1, True, "42"):
        with pytest.raises(ValueError):
            monitor_path(bad)  # type: ignore[arg-type]


def test_the_official_model_is_a_real_oracle() -> None:
    """It refuses what Datadog would never send, so its acceptance above means something."""
    assert model_error({"type": "bogus", "query": "q"}, ClientMonitor) is not None
    assert model_error({"type": "log alert"}, ClientMonitor) is not None
    assert model_error({"type": "log alert", "query": "q", "priority": "high"}, ClientMonitor)
