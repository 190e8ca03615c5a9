"""Datadog checks: the API key on the site, the application key's reads, incident links."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from bot.check.checklist import Item
from bot.check.monitor_checks import (
    MONITORS_TITLE,
    SEVERITY_TITLE,
    check_monitor_severity,
    check_monitors_read,
)
from bot.check.paging_checks import PAGING_TITLE, check_paging
from bot.check.postmortem_checks import POSTMORTEM_TITLE, check_postmortem
from bot.check.responder_checks import (
    RESPONDERS_TITLE,
    ROLES_TITLE,
    probe_responders,
    roles_detail,
)
from bot.check.status_page_checks import check_status_page, status_page_titles
from bot.config import Settings
from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.endpoints import APP_KEY_PERMISSIONS, ENDPOINTS, Endpoint
from bot.datadog.errors import DatadogError, DatadogStatusError, DatadogTransportError
from bot.datadog.sites import SITES, WEB_HOSTS, api_base
from bot.logs import hide_userinfo

PROBE_EMAIL = "declare-bot-check@example.invalid"
"""A users search that matches nobody: it proves the read permission and reads no one."""
CHECK_RETRY = RetryPolicy(rate_limit_retries=1, max_rate_limit_wait=5.0, read_retries=0)


def _api_base(settings: Settings) -> str:
    """The API base as printed: a proxy URL's user:password@ is never shown."""
    shown = hide_userinfo(settings.datadog_api_base)
    if settings.dd_api_url:
        return f"{shown} (DD_API_URL, instead of {api_base(settings.dd_site)})"
    return shown


def check_api_key(settings: Settings, client: DatadogClient) -> Item:
    title = f"Datadog API key is valid for {settings.dd_site} ({ENDPOINTS.validate_api_key.route})"
    try:
        client.validate_api_key()
    except DatadogStatusError as exc:
        fix = (
            f"DD_API_KEY is wrong, or it belongs to another Datadog site. DD_SITE is "
            f"{settings.dd_site}, so the check tried {_api_base(settings)}. Make DD_SITE match the "
            f"host in your Datadog URL (valid sites: {', '.join(SITES)}) and copy an API key "
            "from Datadog > Organization Settings > API Keys on that site"
        )
        return Item("fail", f"Datadog refused DD_API_KEY ({exc.status}: {exc.reason})", fix=fix)
    except DatadogError as exc:
        title = f"Cannot reach Datadog at {_api_base(settings)}"
        return Item("fail", title, [hide_userinfo(str(exc))], _net_fix())
    return Item("ok", title, [f"API base: {_api_base(settings)}"])


def _net_fix() -> str:
    return f"check the network or proxy, DD_SITE (valid: {', '.join(SITES)}) and DD_API_URL"


def check_read(
    title: str, endpoint: Endpoint, read: Callable[[], object], settings: Settings
) -> Item:
    """One read of `endpoint` with the application key; a 403 names its permission."""
    permission = endpoint.permission
    try:
        read()
    except DatadogTransportError as exc:
        return Item("fail", f"{title}: Datadog unreachable", [hide_userinfo(str(exc))], _net_fix())
    except DatadogStatusError as exc:
        reason = f"{exc.status}: {exc.reason}"
        if exc.status == 403 and "permission" in exc.reason.lower():
            fix = (
                f"give the application key the {permission} permission (Datadog > Organization "
                "Settings > Application Keys > the key's scopes, or its owner's role); "
                f"declare-bot needs {', '.join(APP_KEY_PERMISSIONS)}"
            )
        else:
            fix = (
                "DD_APP_KEY is not an application key of the org that owns DD_API_KEY on "
                f"{settings.dd_site}; copy one from Datadog > Organization Settings > "
                "Application Keys"
            )
        return Item("fail", f"{title}: Datadog said {reason}", fix=fix)
    return Item("ok", title, [f"permission {permission}"])


RECORD_ROWS = (
    ENDPOINTS.create_attachment,
    ENDPOINTS.list_attachments,
    ENDPOINTS.create_todo,
    ENDPOINTS.update_todo,
)
RECORD_DETAIL = "the same permissions add captured messages as links and keep to-dos: " + ", ".join(
    f"{e.route} ({e.permission})" for e in RECORD_ROWS
)
"""The record's endpoints (docs/record.md) need no permission beyond incident_read/write."""


def check_datadog(settings: Settings) -> list[Item]:
    client = DatadogClient(
        settings.dd_api_key.get_secret_value(),
        settings.dd_app_key.get_secret_value(),
        site=settings.dd_site,
        base_url=settings.datadog_api_base,
        timeout=httpx.Timeout(10.0, connect=5.0),
        retry=CHECK_RETRY,
    )
    users_title = f"Datadog application key can read users ({ENDPOINTS.list_users.route})"
    incidents_title = (
        f"Datadog application key can read incidents ({ENDPOINTS.search_incidents.route})"
    )
    settings_title = "Datadog application key can read incident types (GET .../config/types)"
    try:
        key = check_api_key(settings, client)
        if key.status != "ok":
            why = ["needs a valid DD_API_KEY first"]
            titles = (
                users_title,
                incidents_title,
                settings_title,
                ROLES_TITLE,
                RESPONDERS_TITLE,
                MONITORS_TITLE,
                SEVERITY_TITLE,
                PAGING_TITLE,
                *status_page_titles(settings),
                POSTMORTEM_TITLE,
            )
            return [key, *(Item("skip", title, why) for title in titles)]
        users = check_read(
            users_title,
            ENDPOINTS.list_users,
            lambda: client.find_active_user_by_email(PROBE_EMAIL),
            settings,
        )
        incidents = check_read(
            incidents_title,
            ENDPOINTS.search_incidents,
            lambda: client.search_incidents("state:active", page_size=1),
            settings,
        )
        if incidents.status == "ok":
            incidents.details.append(
                "incident_write is only proven by declaring: try a test incident "
                "(the form's “This is a test incident”)"
            )
            incidents.details.append(RECORD_DETAIL)
        types = check_read(
            settings_title, ENDPOINTS.list_incident_types, client.list_incident_types, settings
        )
        roles = check_read(
            ROLES_TITLE, ENDPOINTS.list_incident_roles, client.list_incident_roles, settings
        )
        if roles.status == "ok":
            roles.details.append(roles_detail(client))
        responders = check_read(
            RESPONDERS_TITLE, ENDPOINTS.list_responders, lambda: probe_responders(client), settings
        )
        if responders.status == "ok":
            responders.details.append(
                "adding and removing responders need incident_write, proven by declaring"
            )
        monitors = check_monitors_read(client)
        severity = check_monitor_severity(settings, client)
        paging = check_paging(client)
        pages = check_status_page(settings, client)
        postmortem = check_postmortem(settings, client)
        checked = [key, users, incidents, types, roles, responders, monitors, severity, paging]
        return [*checked, *pages, postmortem]
    finally:
        client.close()


def check_links(settings: Settings) -> Item:
    """Links follow DD_SITE; an API URL of another site means links open the wrong place."""
    link = f"https://{WEB_HOSTS[settings.dd_site]}/incidents/<number>"
    host = urlsplit(settings.dd_api_url).hostname if settings.dd_api_url else None
    other = next((site for site in SITES if host == f"api.{site}"), None)
    if other is not None and other != settings.dd_site:
        fix = f"set DD_SITE={other}, or clear DD_API_URL (it is meant for tests and proxies)"
        title = f"DD_API_URL is on site {other} but DD_SITE is {settings.dd_site}"
        return Item("fail", title, [f"incident links would open {link}"], fix)
    return Item("ok", f"Incident links open {link}", [f"from DD_SITE={settings.dd_site}"])
