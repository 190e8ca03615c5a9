"""Checks for declaring from monitor alerts: `monitors_read` (optional) and the severity map.

`monitors_read` only fills the form from a monitor: without it the form still works from
the alert message, so a missing scope is a ⚠ with the fix, never a failure. A
DECLARE_MONITOR_SEVERITY entry naming a severity the org does not offer is a ✗: those
priorities would silently keep the default severity.
"""

from __future__ import annotations

from bot.check.checklist import Item
from bot.config import Settings
from bot.datadog.client import DatadogClient
from bot.datadog.endpoints import ENDPOINTS
from bot.datadog.errors import DatadogError, DatadogNotFound, DatadogStatusError
from bot.datadog.org_config import load_org_config
from bot.domain.incident.declaration import SEVERITIES
from bot.domain.monitor.alert import unknown_severities

PROBE_MONITOR_ID = 1
"""A monitor id no org has: 404 proves the scope without reading any monitor."""
_MONITOR = ENDPOINTS.get_monitor
MONITORS_READ = _MONITOR.permission
MONITORS_TITLE = (
    f"Datadog application key can read monitors ({_MONITOR.method} {_MONITOR.label}, optional)"
)
SEVERITY_TITLE = "DECLARE_MONITOR_SEVERITY names severities the org offers"


def check_monitors_read(client: DatadogClient) -> Item:
    try:
        client.get_monitor(PROBE_MONITOR_ID)
    except DatadogNotFound:
        pass
    except DatadogStatusError as exc:
        if exc.status != 403:
            return Item("warn", f"{MONITORS_TITLE}: Datadog said {exc.status}: {exc.reason}")
        fix = (
            f"give the application key the {MONITORS_READ} permission (Datadog > Organization "
            "Settings > Application Keys > the key's scopes, or its owner's role) so that "
            "declaring from a monitor alert fills the form from the monitor; without it the "
            "form is filled from the alert message only"
        )
        return Item("warn", f"{MONITORS_TITLE}: not granted", fix=fix)
    except DatadogError as exc:
        return Item("warn", f"{MONITORS_TITLE}: could not tell", [str(exc)])
    return Item("ok", MONITORS_TITLE, [f"permission {MONITORS_READ}"])


def check_monitor_severity(settings: Settings, client: DatadogClient) -> Item:
    """Every mapped severity must be one the default incident type's severity field offers."""
    mapping = settings.monitor_severity
    shown = ", ".join(f"P{p}→{s}" for p, s in sorted(mapping.items())) or "nothing mapped"
    try:
        config = load_org_config(client)
    except DatadogError as exc:
        return Item("warn", f"{SEVERITY_TITLE}: the org's severities could not be read", [str(exc)])
    default_type = config.default_type()
    field = config.severity_field(default_type.id if default_type else None)
    offered = tuple(c.value for c in field.choices) if field is not None else SEVERITIES
    unknown = unknown_severities(mapping, offered)
    if unknown:
        fix = (
            f"map priorities to the org's severities ({', '.join(offered)}), e.g. "
            "DECLARE_MONITOR_SEVERITY=1:SEV-1,2:SEV-2; until then those priorities keep the "
            "default severity"
        )
        title = f"DECLARE_MONITOR_SEVERITY names severities the org lacks: {', '.join(unknown)}"
        return Item("fail", title, [shown], fix)
    return Item("ok", SEVERITY_TITLE, [shown])
