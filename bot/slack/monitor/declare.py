"""Declaring from a Datadog monitor alert: open the form at once, fill it when the monitor
is read.

The monitor read starts before `views.open` on a background thread, so it never delays the
form and usually has its answer by the time the form is open; `views.update` then fills the
form, with the opened view's hash so a newer change (another incident type) is never
overwritten. Slack keeps what the person typed in inputs whose block and action IDs stay the
same, and the form's IDs never change.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident.declaration import Origin, declaration_key
from bot.domain.incident.org import OrgConfig
from bot.domain.monitor.alert import AlertMessage, Monitor, MonitorNotRead
from bot.logs import declaration_id
from bot.slack.common.context import Services, after_ack
from bot.slack.declare.form.prefill import FormPrefill
from bot.slack.declare.open_form import Tell, open_view
from bot.slack.errors import error_of
from bot.slack.monitor.form import AlertSource, alert_source, filled_form, opening_form

log = logging.getLogger(__name__)

SOURCE = "the message shortcut"
"""As for any message: the person used the same shortcut (and is told so if it fails)."""
OPEN_WAIT = 10.0
"""Seconds the update waits for views.open to answer (it answers well within 3 s)."""


def declare_from_alert(
    services: Services,
    client: WebClient,
    origin: Origin,
    alert: AlertMessage,
    base: FormPrefill,
    config: OrgConfig | None,
    context_links: tuple[str, ...],
    tell: Tell | None = None,
) -> str | None:
    """Start reading the monitor, open the form from the message, then fill it.

    Returns the opened view's id (None when the form did not open).
    """
    source = alert_source(
        alert, services.monitors.site, origin.source_permalink or "", context_links
    )
    opened: Future[dict[str, Any] | None] = Future()
    if source.reading is not None:
        # When the pool is full the form still opens, from the message alone.
        after_ack(
            services,
            lambda: fill_form(services, client, origin, source, base, config, opened),
            None,
        )
    view: dict[str, Any] | None = None
    try:
        form = opening_form(config, base, origin, source)
        view = open_view(services, client, origin, form, SOURCE, tell)
    finally:
        opened.set_result(view)  # the update waits for this, also when the open failed
    return str(view["id"]) if view else None


def read(services: Services, monitor_id: int) -> tuple[Monitor | None, str | None]:
    try:
        return services.monitors.read_monitor(monitor_id), None
    except MonitorNotRead as exc:
        return None, exc.reason


def fill_form(
    services: Services,
    client: WebClient,
    origin: Origin,
    source: AlertSource,
    base: FormPrefill,
    config: OrgConfig | None,
    opened: Future[dict[str, Any] | None],
) -> None:
    """Read the monitor, wait for the form to be open, then views.update it filled."""
    assert source.reading is not None
    monitor, not_read = read(services, source.reading.monitor_id)
    view = opened.result(timeout=OPEN_WAIT)
    if not view:
        return
    view_id = str(view.get("id") or "")
    declaration_id.set(declaration_key(origin.team_id, origin.user_id, view_id, origin.trigger_id))
    filled = filled_form(
        config,
        base,
        origin,
        source,
        monitor=monitor,
        not_read=not_read,
        severity_map=services.settings.monitor_severity,
    )
    try:
        client.views_update(view_id=view_id, hash=view.get("hash") or None, view=filled)
    except SlackApiError as exc:
        # hash_conflict: the person changed the incident type first; not_found: closed.
        log.info("the form was not filled from the monitor: %s", error_of(exc))
        return
    log.info("form filled from monitor %s", source.reading.monitor_id)
