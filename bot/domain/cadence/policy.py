"""How often an incident is expected to say where it stands, from the settings.

`DECLARE_UPDATE_REMINDERS` names an interval per severity, e.g.
`SEV-1=15m,SEV-2=30m,SEV-3=2h` (units s, m, h; a bare number is seconds); a severity not
named gets no reminder, and `off` turns reminders off. `DECLARE_STABLE_REMINDER` is how
long a stable incident waits before one reminder to resolve it (`off` or 0: none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_UPDATE_REMINDERS = "SEV-0=15m,SEV-1=15m,SEV-2=30m,SEV-3=1h,SEV-4=2h,SEV-5=4h"
"""The documented default: the more severe, the more often."""
DEFAULT_STABLE_REMINDER = "4h"
SNOOZE = 30 * 60.0
"""Seconds a Snooze press puts the next reminder off by."""

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$", re.IGNORECASE)


class BadInterval(ValueError):
    """A reminders setting people wrote that can't be read; the message says where."""


def off(text: str) -> bool:
    return text.strip().lower() in ("", "0", "off", "none")


def parse_duration(text: str) -> float:
    """Seconds in `15m`, `2h`, `90s` or `90`; BadInterval otherwise (never 0 or less)."""
    found = _DURATION.match(text)
    if not found:
        raise BadInterval(f"{text.strip()!r} is not a duration like 15m, 2h or 90s")
    seconds = float(found.group(1)) * _UNITS[(found.group(2) or "s").lower()]
    if seconds <= 0:
        raise BadInterval(f"{text.strip()!r} must be longer than 0")
    return seconds


def parse_intervals(text: str) -> dict[str, float]:
    """`SEV-1=15m,SEV-2=30m` → {"SEV-1": 900.0, "SEV-2": 1800.0}; "off" or "" → {}."""
    intervals: dict[str, float] = {}
    if off(text):
        return intervals
    for part in text.split(","):
        if not part.strip():
            continue
        severity, sep, duration = part.partition("=")
        if not sep or not severity.strip():
            raise BadInterval(f"{part.strip()!r} is not SEVERITY=DURATION (e.g. SEV-1=15m)")
        name = severity.strip().upper()
        if name in intervals:
            raise BadInterval(f"{name} is named twice")
        intervals[name] = parse_duration(duration)
    return intervals


def format_duration(seconds: float) -> str:
    """900 → "15m", 7200 → "2h", 5400 → "90m", 45 → "45s": how the settings write it."""
    whole = round(seconds)
    if whole % 3600 == 0:
        return f"{whole // 3600}h"
    if whole % 60 == 0:
        return f"{whole // 60}m"
    return f"{whole}s"


@dataclass(frozen=True)
class ReminderPolicy:
    """Intervals by severity (seconds), the stable reminder, the snooze; tests shrink them."""

    intervals: dict[str, float] = field(default_factory=dict)
    stable: float | None = None
    snooze: float = SNOOZE

    @classmethod
    def from_settings(cls, reminders: str, stable: str, snooze: float = SNOOZE) -> ReminderPolicy:
        return cls(
            intervals=parse_intervals(reminders),
            stable=None if off(stable) else parse_duration(stable),
            snooze=snooze,
        )

    @property
    def on(self) -> bool:
        return bool(self.intervals) or self.stable is not None

    def interval(self, severity: str) -> float | None:
        """Seconds between updates expected at `severity`; None: no reminders for it."""
        return self.intervals.get(severity.upper())
