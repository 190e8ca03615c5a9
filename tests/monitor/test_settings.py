"""DECLARE_MONITOR_SEVERITY at startup, and `declare-bot check` on monitors (optional scope)."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.emulators.stack import LocalStack
from tests.app.test_check import check, line

MINIMAL = {
    "DD_API_KEY": "k",
    "DD_APP_KEY": "a",
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
}


def test_the_default_maps_priority_n_to_sev_n() -> None:
    settings = load_settings(MINIMAL, env_file=None)
    assert settings.monitor_severity == {1: "SEV-1", 2: "SEV-2", 3: "SEV-3", 4: "SEV-4", 5: "SEV-5"}
    custom = load_settings(MINIMAL | {"DECLARE_MONITOR_SEVERITY": "1:SEV-1, 2:SEV-1"}, None)
    assert custom.monitor_severity == {1: "SEV-1", 2: "SEV-1"}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("1=SEV-1", "is not priority:severity"),
        ("0:SEV-1", "the priority must be 1 to 5"),
        ("P1:SEV-1", "the priority must be 1 to 5"),
        ("1:SEV-1,1:SEV-2", "maps priority 1 twice"),
        ("1:SEV-1,,2:SEV-2", "has an empty entry"),
    ],
)
def test_a_bad_mapping_stops_startup_and_says_where(value: str, says: str) -> None:
    with pytest.raises(ConfigError) as bad:
        load_settings(MINIMAL | {"DECLARE_MONITOR_SEVERITY": value}, env_file=None)
    (problem,) = bad.value.problems
    assert problem.startswith("DECLARE_MONITOR_SEVERITY (from the environment): ")
    assert says in problem


def test_check_without_monitors_read_warns_with_the_fix_and_passes(stack: LocalStack) -> None:
    stack.datadog.permissions.discard("monitors_read")
    code, output = check(stack)
    assert code == 0, output
    warned = line(output, "⚠ Datadog application key can read monitors")
    assert "not granted" in warned and "fix: give the application key the monitors_read" in warned
    assert "warning ⚠" in output
    assert stack.datadog.calls("/api/v1/monitor/1"), "the probe reads an id no org has"


def test_check_fails_a_mapping_to_severities_the_org_lacks(stack: LocalStack) -> None:
    code, output = check(stack, DECLARE_MONITOR_SEVERITY="1:SEV-1,2:P2-High")
    assert code == 1, output
    failed = line(output, "✗ DECLARE_MONITOR_SEVERITY names severities the org lacks: P2-High")
    assert "P1→SEV-1, P2→P2-High" in failed and "fix: map priorities" in failed
