"""The declare form for a Datadog monitor alert: opened from the message at once, then filled
from the monitor when Datadog answers (`views.update`, same block and action IDs, so what
the person typed meanwhile stays).

Pure builders. Context lines at the top of the form, in this order: the alert has already
recovered; what was read (or is being read), or what was not and why; monitor tags that
matched no field; the links the timeline will carry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.domain.incident.declaration import Origin
from bot.domain.incident.org import OrgConfig
from bot.domain.monitor.alert import AlertMessage, Monitor, MonitorSeverity, monitor_to_read
from bot.domain.monitor.links import MonitorLink
from bot.domain.monitor.prefill import MonitorPrefill, choose_title, prefill
from bot.domain.monitor.timeline import timeline_markdown
from bot.slack.declare.form.prefill import FormPrefill
from bot.slack.declare.form.view import declare_form

TAGS_SHOWN = 10
LINKS_SHOWN = 5


@dataclass(frozen=True)
class AlertSource:
    """An alert message declared from: what it says, its permalink, which monitor to read."""

    alert: AlertMessage
    permalink: str
    reading: MonitorLink | None
    """The monitor being read: the primary one, when it is on the configured site."""
    not_read: str | None
    """Why no monitor is read (e.g. another site's), for the form and the timeline."""
    context_links: tuple[str, ...] = ()


def alert_source(
    alert: AlertMessage, site: str, permalink: str, context_links: tuple[str, ...] = ()
) -> AlertSource:
    reading, not_read = monitor_to_read(alert, site)
    return AlertSource(alert, permalink, reading, not_read, context_links)


def not_an_alert_notice(alert: AlertMessage) -> tuple[str, ...]:
    """The plain form's line when a message that is no app's alert names a monitor, which
    is then left unread (bot/domain/monitor/alert.py `reads_monitor`)."""
    if alert.primary is None:
        return ()
    return (
        f"Monitor {alert.primary.monitor_id} was not read: monitor details are read only "
        "from alerts posted by Datadog.",
    )


def _links_line(source: AlertSource) -> str:
    links = [f"monitor {m.monitor_id} ({m.url})" for m in source.alert.links[:LINKS_SHOWN]]
    if source.permalink:
        links.append(f"the alert message ({source.permalink})")
    if not links:
        return ""
    listed = ", ".join(links[:-1]) + (" and " if len(links) > 1 else "") + links[-1]
    return f"The timeline will get the monitor's details and links to {listed}."


def notices(
    source: AlertSource,
    *,
    monitor: Monitor | None = None,
    filled: MonitorPrefill | None = None,
    not_read: str | None = None,
) -> tuple[str, ...]:
    """The context lines, top first; `filled` None means the monitor is still being read."""
    alert = source.alert
    lines: list[str] = []
    if alert.recovered or (monitor is not None and monitor.recovered):
        said = f"the message says {alert.status}" if alert.recovered else "the monitor is OK"
        lines.append(
            f":white_check_mark: This alert has already recovered ({said}). "
            "You can still declare an incident."
        )
    reason = not_read or source.not_read
    if reason:
        lines.append(f"Not read: {reason}. The form is filled from the alert message.")
    elif monitor is not None and filled is not None:
        what = ["title"]
        if filled.severity:
            what.append(f"severity {filled.severity} (P{monitor.priority})")
        if filled.fields:
            what.append("fields " + ", ".join(sorted(filled.fields)))
        lines.append(f"Filled from Datadog monitor {monitor.id}: {', '.join(what)}.")
    elif source.reading is not None:
        lines.append(f"Reading monitor {source.reading.monitor_id} from Datadog to fill this form…")
    if filled is not None and filled.unmatched_tags:
        tags = ", ".join(filled.unmatched_tags[:TAGS_SHOWN])
        more = len(filled.unmatched_tags) - TAGS_SHOWN
        lines.append(
            f"Monitor tags not matched to a field (kept in the timeline): {tags}"
            + (f" and {more} more" if more > 0 else "")
        )
    links = _links_line(source)
    if links:
        lines.append(links)
    return tuple(lines)


def _form(
    config: OrgConfig | None,
    base: FormPrefill,
    origin: Origin,
    source: AlertSource,
    shown: tuple[str, ...],
    *,
    cell: str,
    fields: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    # declare_form stacks notices bottom-up; give them reversed so the first shows on top.
    return declare_form(
        config,
        base,
        origin,
        context_links=source.context_links,
        notices=tuple(reversed(shown)),
        field_values=fields,
        monitor_cell=cell,
    )


def opening_form(
    config: OrgConfig | None, base: FormPrefill, origin: Origin, source: AlertSource
) -> dict[str, Any]:
    """The form as views.open shows it: what the message says, nothing waited for."""
    title = choose_title(source.alert, None) or base.title
    cell = timeline_markdown(
        source.alert, None, title=title, message_link=source.permalink, not_read=source.not_read
    )
    prefilled = replace(base, title=title)
    return _form(config, prefilled, origin, source, notices(source), cell=cell)


def filled_form(
    config: OrgConfig | None,
    base: FormPrefill,
    origin: Origin,
    source: AlertSource,
    *,
    monitor: Monitor | None,
    not_read: str | None,
    severity_map: MonitorSeverity,
) -> dict[str, Any]:
    """The form once the monitor was read (or could not be): title, severity, fields, notes."""
    chosen = config.resolve_type(None) if config else None
    type_id = chosen.id if chosen else None
    severity_field = config.severity_field(type_id) if config else None
    filled = prefill(
        source.alert,
        monitor,
        severity_map=severity_map,
        fields=config.fields_for(type_id) if config else (),
        severities=(
            tuple(c.value for c in severity_field.choices) if severity_field else base.severities
        ),
        message_link=source.permalink,
        not_read=not_read or source.not_read,
    )
    update: dict[str, Any] = {"title": filled.title or base.title}
    if filled.severity:
        update["severity"] = filled.severity
    shown = notices(source, monitor=monitor, filled=filled, not_read=not_read)
    fields = dict(filled.fields)
    return _form(
        config,
        replace(base, **update),
        origin,
        source,
        shown,
        cell=filled.timeline,
        fields=fields,
    )
