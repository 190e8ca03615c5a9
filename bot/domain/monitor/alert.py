"""A Datadog monitor and the alert message that points at it, as the domain sees them.

`Monitor` is what `GET /api/v1/monitor/{id}` told us (bot/datadog/monitors.py builds it);
`AlertMessage` is what a Slack alert message said (bot/slack/monitor/alert.py builds it).
`parse_monitor_severity` reads the DECLARE_MONITOR_SEVERITY setting; `MonitorReader` is
the port the Datadog gateway implements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.domain.monitor.links import MonitorLink

DEFAULT_MONITOR_SEVERITY = "1:SEV-1,2:SEV-2,3:SEV-3,4:SEV-4,5:SEV-5"
PRIORITIES = range(1, 6)
RECOVERED_STATES = frozenset({"OK"})
"""`overall_state` values that mean the alert is over."""
SEVERITY_VALUE_MAX = 100
MONITOR_NAME_MAX = 1000
"""Characters of a monitor name the bot reads, cut before any parsing. Datadog's API
reference states no cap; a title keeps 250 (TITLE_MAX), and 1,000 leaves room for the
`{{variables}}` that drop out while bounding the work any name can cause."""

MonitorSeverity = Mapping[int, str]
"""Monitor priority (1..5) -> incident severity value."""


@dataclass(frozen=True)
class Monitor:
    """A monitor, reduced to what the form and the timeline use."""

    id: int
    name: str = ""
    message: str = ""
    query: str = ""
    type: str = ""
    tags: tuple[str, ...] = ()
    priority: int | None = None
    overall_state: str | None = None

    @property
    def recovered(self) -> bool:
        return self.overall_state in RECOVERED_STATES


@dataclass(frozen=True)
class AlertMessage:
    """What an alert message says, before the monitor is read.

    `links` are every monitor link, in order; `primary` is the one the form is about (the
    first alerting one). `title` is the rendered monitor name without its `Triggered:`
    prefix; `status` is that prefix (`Triggered`, `Warn`, `Recovered`, ...).
    """

    links: tuple[MonitorLink, ...] = ()
    primary: MonitorLink | None = None
    title: str = ""
    status: str | None = None
    groups: tuple[str, ...] = ()
    posted_by_app: bool = False
    """An app or bot posted it, as Datadog posts its alerts; a person's message (or this
    bot's, which repeat what people typed) names monitors only as text anyone can write."""

    @property
    def recovered(self) -> bool:
        return self.status is not None and "recovered" in self.status.lower()


def reads_monitor(alert: AlertMessage, any_message: bool) -> bool:
    """Whether declaring from this message reads its monitor with the bot's keys: only for
    an app's message (Datadog's alert), so no member can have any monitor read by pasting
    its link, unless DECLARE_MONITOR_FROM_ANY_MESSAGE (`any_message`) allows every message."""
    return alert.primary is not None and (alert.posted_by_app or any_message)


class MonitorSeverityError(ValueError):
    """DECLARE_MONITOR_SEVERITY is malformed; the message says where and how to fix it."""


def parse_monitor_severity(text: str) -> dict[int, str]:
    """Read `1:SEV-1,2:SEV-2,...`; priorities without an entry keep the default severity.

    An empty setting maps nothing. Raises `MonitorSeverityError` naming the bad entry.

    >>> parse_monitor_severity("1:SEV-1, 2:SEV-1")
    {1: 'SEV-1', 2: 'SEV-1'}
    """
    mapping: dict[int, str] = {}
    example = f"e.g. {DEFAULT_MONITOR_SEVERITY}"
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            if text.strip():
                raise MonitorSeverityError(
                    f"DECLARE_MONITOR_SEVERITY has an empty entry; use priority:severity pairs "
                    f"separated by commas, {example}."
                )
            continue
        priority_text, colon, severity = (part.strip() for part in entry.partition(":"))
        if not colon or not priority_text or not severity:
            raise MonitorSeverityError(
                f"DECLARE_MONITOR_SEVERITY entry {entry!r} is not priority:severity, {example}."
            )
        if not priority_text.isdigit() or int(priority_text) not in PRIORITIES:
            raise MonitorSeverityError(
                f"DECLARE_MONITOR_SEVERITY entry {entry!r}: the priority must be 1 to 5 "
                "(Datadog's P1..P5)."
            )
        priority = int(priority_text)
        if priority in mapping:
            raise MonitorSeverityError(
                f"DECLARE_MONITOR_SEVERITY maps priority {priority} twice; keep one entry."
            )
        if len(severity) > SEVERITY_VALUE_MAX or not severity.isprintable() or ":" in severity:
            raise MonitorSeverityError(
                f"DECLARE_MONITOR_SEVERITY entry {entry!r}: the severity must be a severity "
                "value such as SEV-2."
            )
        mapping[priority] = severity
    return mapping


def unknown_severities(mapping: MonitorSeverity, severities: tuple[str, ...]) -> list[str]:
    """Mapped severities the org does not offer (for startup and `check` to report)."""
    return sorted({value for value in mapping.values() if value not in severities})


def monitor_to_read(alert: AlertMessage, site: str) -> tuple[MonitorLink | None, str | None]:
    """The monitor our keys can read (only the configured DD_SITE's), or why none is read."""
    primary = alert.primary
    if primary is None:
        return None, None
    if primary.site != site:
        return None, (
            f"monitor {primary.monitor_id} is on {primary.site}; this bot's keys read {site} only"
        )
    return primary, None


def not_read_reason(monitor_id: int, status: int | None) -> str:
    """Why a monitor read failed, for the form's context line; `status` None is a timeout."""
    if status == 404:
        return f"Datadog has no monitor {monitor_id} (deleted, or in another organization)"
    if status == 403:
        return (
            f"monitor {monitor_id} was not read: the application key lacks monitors_read "
            "(add that scope to fill the form from monitors)"
        )
    if status is None:
        return f"monitor {monitor_id} was not read: Datadog did not answer in time"
    return f"monitor {monitor_id} was not read: Datadog answered {status}"


class MonitorNotRead(Exception):
    """The monitor could not be read; `reason` is the form's context line (`not_read_reason`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MonitorReader(Protocol):
    """Reads one monitor of the configured site (bot/datadog/gateway.py implements it)."""

    @property
    def site(self) -> str:
        """The DD_SITE the keys belong to: only its monitors can be read."""
        ...

    def read_monitor(self, monitor_id: int) -> Monitor:
        """The monitor, or MonitorNotRead saying why not (404, 403, timeout, ...)."""
        ...
