"""What is due when: the reminder settings and the cadence rules (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.cadence.policy import (
    DEFAULT_UPDATE_REMINDERS,
    BadInterval,
    ReminderPolicy,
    format_duration,
    parse_duration,
    parse_intervals,
)
from bot.domain.cadence.schedule import (
    ReminderKind,
    changed,
    judge,
    overdue,
    reminded,
    snoozed,
    started,
    stopped,
    updated,
)

POLICY = ReminderPolicy.from_settings("SEV-1=15m,SEV-2=30m,SEV-3=2h", "4h")
T0 = 1_000_000.0


def test_intervals_read_units_and_severities() -> None:
    assert parse_intervals("SEV-1=15m, sev-2=30m,SEV-3=2h,SEV-4=90") == {
        "SEV-1": 900.0,
        "SEV-2": 1800.0,
        "SEV-3": 7200.0,
        "SEV-4": 90.0,
    }
    assert parse_intervals("") == {}
    assert ReminderPolicy.from_settings("off", "off").on is False
    assert ReminderPolicy.from_settings(DEFAULT_UPDATE_REMINDERS, "4h").interval("SEV-1") == 900


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("SEV-1", "SEVERITY=DURATION"),
        ("SEV-1=soon", "not a duration"),
        ("SEV-1=0m", "longer"),
        ("SEV-1=1m,SEV-1=2m", "named twice"),
        ("=5m", "SEVERITY=DURATION"),
    ],
)
def test_bad_intervals_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(BadInterval, match=says):
        parse_intervals(text)


@given(st.integers(min_value=1, max_value=10**6))
def test_durations_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_first_reminder_one_interval_after_declaring() -> None:
    c = started("C:1", "i1", "SEV-1", "active", POLICY, T0)
    assert c.due_at == T0 + 900 and c.kind is ReminderKind.UPDATE
    assert started("C:1", "i1", "SEV-4", "active", POLICY, T0).due_at is None  # not named: off


def test_an_update_restarts_the_clock_and_its_next_in_wins() -> None:
    c = started("C:1", "i1", "SEV-1", "active", POLICY, T0)
    u = updated(
        c, at=T0 + 600, by="U1", severity="SEV-1", state="active", next_in=None, policy=POLICY
    )
    assert u.due_at == T0 + 600 + 900
    u = updated(
        c, at=T0 + 600, by="U1", severity="SEV-1", state="active", next_in=300, policy=POLICY
    )
    assert u.due_at == T0 + 900 and u.next_update_at == T0 + 900


def test_reminders_repeat_until_an_update() -> None:
    c = started("C:1", "i1", "SEV-2", "active", POLICY, T0)
    r = reminded(c, POLICY, T0 + 1800)
    assert r.due_at == T0 + 3600 and r.reminders == 1 and overdue(r, T0 + 3600)


def test_severity_change_reschedules() -> None:
    c = started("C:1", "i1", "SEV-3", "active", POLICY, T0)
    assert c.due_at == T0 + 7200
    assert changed(c, "SEV-1", "active", POLICY, T0 + 60).due_at == T0 + 900


def test_stable_gets_one_resolve_reminder_and_resolved_none() -> None:
    c = started("C:1", "i1", "SEV-1", "active", POLICY, T0)
    s = changed(c, "SEV-1", "stable", POLICY, T0 + 100)
    assert s.kind is ReminderKind.RESOLVE and s.due_at == T0 + 100 + 4 * 3600
    once = reminded(s, POLICY, T0 + 100 + 4 * 3600)
    assert once.due_at is None and once.stable_reminded
    assert changed(c, "SEV-1", "resolved", POLICY, T0 + 100).due_at is None


def test_snooze_and_stop() -> None:
    c = started("C:1", "i1", "SEV-1", "active", POLICY, T0)
    assert snoozed(c, POLICY, T0 + 900).due_at == T0 + 900 + 1800
    assert stopped(c, "U1").due_at is None
    assert judge(stopped(c, "U1"), POLICY, T0 + 10**6).due_at is None


@given(
    severity=st.sampled_from(["SEV-1", "SEV-2", "SEV-3", "SEV-4", "UNKNOWN"]),
    state=st.sampled_from(["active", "stable", "resolved", "completed"]),
    events=st.lists(st.sampled_from(["update", "remind", "snooze", "sev", "state"]), max_size=12),
    step=st.floats(min_value=1, max_value=10_000),
)
def test_never_due_in_the_past_of_its_last_event(
    severity: str, state: str, events: list[str], step: float
) -> None:
    """Whatever happens, a reminder is never due before the event that scheduled it, a
    resolved incident never has one, and a stopped one never again."""
    c = started("C:1", "i1", severity, state, POLICY, T0)
    now = T0
    for event in events:
        now += step
        if event == "update":
            c = updated(
                c, at=now, by="U", severity=c.severity, state=c.state, next_in=None, policy=POLICY
            )
        elif event == "remind":
            c = reminded(c, POLICY, now)
        elif event == "snooze":
            c = snoozed(c, POLICY, now)
        elif event == "sev":
            c = changed(c, "SEV-1" if c.severity != "SEV-1" else "SEV-3", c.state, POLICY, now)
        else:
            c = changed(c, c.severity, "active" if c.state != "active" else "stable", POLICY, now)
        if c.due_at is not None and event in ("update", "remind", "snooze"):
            assert c.due_at > now
        if c.state in ("resolved", "completed"):
            assert c.due_at is None


def test_reminder_settings_are_checked_at_startup() -> None:
    from bot.config import ConfigError, load_settings
    from tests.app.test_config import VALID

    settings = load_settings(VALID, None)
    assert settings.reminder_policy().interval("SEV-1") == 900
    assert settings.reminder_policy().stable == 4 * 3600
    off = load_settings(
        {**VALID, "DECLARE_UPDATE_REMINDERS": "off", "DECLARE_STABLE_REMINDER": "off"}, None
    )
    assert not off.reminder_policy().on
    with pytest.raises(ConfigError) as failed:
        load_settings({**VALID, "DECLARE_UPDATE_REMINDERS": "SEV-1=soon"}, None)
    assert "DECLARE_UPDATE_REMINDERS" in str(failed.value) and "15m" in str(failed.value)
