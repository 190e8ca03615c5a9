"""The benchmark still runs: smoke mode end to end, its JSON written. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import main


@pytest.mark.timeout(180)
def test_smoke_benchmark_runs_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "smoke.json"
    assert main(["--smoke", "--latency-ms", "20", "--runs", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    figures = {"open_modal", "first_after_start", "submit", "surge", "replica_surge"}
    figures |= {"footprint", "channel", "alert", "lifecycle", "placeholder", "slow_datadog"}
    figures |= {"responders", "reminders"}
    assert set(result["figures"]) == figures
    sync = result["figures"]["lifecycle"]["sync_calls"]
    assert sync["unchanged"] == 1, sync
    assert result["machine"]["nproc"] >= 1
    surge = result["figures"]["surge"]["runs"][0]
    assert surge["records"] == surge["plan"]["submissions"]
