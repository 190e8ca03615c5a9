"""One version (pyproject.toml, read through the package metadata) and one backoff formula."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import bot
from bot.datadog.transport import RetryPolicy
from bot.domain.reliability.backoff import full_jitter

ROOT = Path(__file__).resolve().parents[2]


def test_the_version_comes_from_pyproject_and_the_cli_prints_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert bot.__version__ == project["version"]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"declare-bot {project['version']}"


def test_full_jitter_is_uniform_up_to_the_capped_exponential() -> None:
    bounds: list[tuple[float, float]] = []

    def upper(low: float, high: float) -> float:
        bounds.append((low, high))
        return high

    assert [full_jitter(n, 0.25, 4.0, upper) for n in range(6)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert all(low == 0.0 for low, _ in bounds)
    for attempt in range(8):
        assert 0.0 <= full_jitter(attempt, 0.5, 8.0) <= min(8.0, 0.5 * 2**attempt)


def test_the_datadog_retry_policy_uses_it() -> None:
    policy = RetryPolicy(backoff=0.1, max_backoff=0.3)
    for attempt in range(6):
        assert 0.0 <= policy.backoff_for(attempt) <= min(0.3, 0.1 * 2**attempt)
