"""`declare-bot check`: a doctor that tries the real setup and says how to fix what fails.

Checks, in order (reads only, nothing is created):
  configuration → Slack bot token (auth.test) → its scopes (x-oauth-scopes) →
  app token (apps.connections.open, Socket Mode only) → Datadog API key for the site
  (GET /api/v1/validate) → application key reads users, incidents and incident types →
  incident links.
Prints ✓ or ✗ per check, a fix under each ✗, and exits 1 when anything failed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import ConfigError, Settings, load_settings
from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import DatadogError, DatadogStatusError, DatadogTransportError
from bot.datadog.sites import SITES, WEB_HOSTS, api_base
from bot.logs import RedactingFilter
from bot.slack.scopes import APP_TOKEN_SCOPES, REQUIRED_SCOPES, WHY

MARKS = {"ok": "✓", "fail": "✗", "skip": "–"}
PROBE_EMAIL = "declare-bot-check@example.invalid"
"""A users search that matches nobody: it proves the read permission and reads no one."""
APP_KEY_PERMISSIONS = (
    "user_access_read",
    "incident_read",
    "incident_write",
    "incident_settings_read",
)
CHECK_RETRY = RetryPolicy(rate_limit_retries=1, max_rate_limit_wait=5.0, read_retries=0)
REINSTALL = (
    "then reinstall the app (Slack app > Install App > Reinstall to Workspace) and put the "
    "new Bot User OAuth Token in SLACK_BOT_TOKEN"
)


@dataclass
class Item:
    """One line of the checklist: ✓, ✗ (with a fix) or – (skipped)."""

    status: str
    title: str
    details: list[str] = field(default_factory=list)
    fix: str = ""


class Checklist:
    """Prints each item as it is decided, with secrets masked just in case."""

    def __init__(self, out: TextIO, secrets: list[str]) -> None:
        self.out = out
        self.items: list[Item] = []
        self._mask = RedactingFilter(secrets)

    def add(self, item: Item) -> Item:
        self.items.append(item)
        lines = [f"  {MARKS[item.status]} {item.title}"]
        lines += [f"      {detail}" for detail in item.details]
        if item.fix:
            lines.append(f"      fix: {item.fix}")
        print(self._mask.redact("\n".join(lines)), file=self.out, flush=True)
        return item

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)


def check_config(
    environ: Mapping[str, str] | None, env_file: str | Path | None
) -> tuple[Settings | None, Item]:
    try:
        settings = load_settings(environ, env_file)
    except ConfigError as exc:
        fix = "set these in .env (see .env.example) or the environment, then check again"
        return None, Item("fail", "Configuration is invalid", exc.problems, fix)
    return settings, config_ok(settings)


def config_ok(settings: Settings) -> Item:
    mode = (
        "Socket Mode (SLACK_APP_TOKEN is set; no public URL needed)"
        if settings.socket_mode
        else f"HTTP mode: POST /slack/events and GET /healthz on port {settings.port}"
    )
    store = "Redis (REDIS_URL)" if settings.redis_url else f"SQLite at {settings.store_path}"
    details = [f"mode: {mode}", f"Datadog site: {settings.dd_site}", f"store: {store}"]
    return Item("ok", "Configuration is valid", details)


def slack_client(settings: Settings, token: str) -> WebClient:
    base_url = settings.slack_api_base or WebClient.BASE_URL
    return WebClient(token=token, base_url=base_url, timeout=10)


def _header(headers: Mapping[str, object], name: str) -> str:
    found = next((v for k, v in headers.items() if k.lower() == name), "")
    return ",".join(found) if isinstance(found, list) else str(found)


def check_bot_token(settings: Settings) -> list[Item]:
    """auth.test with the bot token, then its scopes from the x-oauth-scopes header."""
    title = "Slack bot token works (auth.test)"
    skipped = Item("skip", "Slack bot token scopes", ["needs a working bot token"])
    client = slack_client(settings, settings.slack_bot_token.get_secret_value())
    try:
        response = client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        fixes = {
            "invalid_auth": "copy the Bot User OAuth Token (xoxb-…) from Slack app > OAuth & "
            "Permissions into SLACK_BOT_TOKEN; a reinstall replaces the old token",
            "token_revoked": f"the app was uninstalled or the token revoked; {REINSTALL}",
            "account_inactive": f"the app was uninstalled or the token revoked; {REINSTALL}",
        }
        fix = fixes.get(error, f"Slack answered {error}; check SLACK_BOT_TOKEN")
        return [Item("fail", f"{title}: Slack said {error}", fix=fix), skipped]
    except (SlackClientError, OSError) as exc:
        base = settings.slack_api_base or WebClient.BASE_URL
        fix = "check the network or proxy" + (
            ", and SLACK_API_URL" if settings.slack_api_url else ""
        )
        title = f"Cannot reach Slack at {base} ({type(exc).__name__})"
        return [Item("fail", title, fix=fix), skipped]
    team, team_id, user = (response.get(k) for k in ("team", "team_id", "user"))
    who = f"workspace {team} ({team_id}), bot @{user}"
    granted = {s.strip() for s in _header(response.headers, "x-oauth-scopes").split(",") if s}
    return [Item("ok", title, [who]), scopes_item(granted)]


def scopes_item(granted: set[str]) -> Item:
    missing = sorted(REQUIRED_SCOPES - granted)
    if not missing:
        extra = sorted(granted - REQUIRED_SCOPES)
        details = [f"granted: {', '.join(sorted(REQUIRED_SCOPES))}"]
        if extra:
            details.append(f"also granted, not needed: {', '.join(extra)}")
        return Item("ok", f"Slack bot token has the {len(REQUIRED_SCOPES)} scopes needed", details)
    details = [f"missing {scope}: needed to {WHY.get(scope, 'run')}" for scope in missing]
    fix = (
        "add the missing scopes under Slack app > OAuth & Permissions > Bot Token Scopes (the "
        f"manifests in manifests/ list them all), {REINSTALL}"
    )
    return Item("fail", f"Slack bot token lacks scopes: {', '.join(missing)}", details, fix)


def check_app_token(settings: Settings) -> Item:
    """Socket Mode only: can the app-level token open a connection?"""
    if settings.slack_app_token is None:
        detail = "Slack must reach POST https://<your host>/slack/events (manifests/http.json)"
        return Item("ok", "HTTP mode: SLACK_SIGNING_SECRET is set; no app token needed", [detail])
    title = "Slack app token opens Socket Mode connections (apps.connections.open)"
    token = settings.slack_app_token.get_secret_value()
    try:
        slack_client(settings, token).apps_connections_open(app_token=token)
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        where = "Slack app > Basic Information > App-Level Tokens"
        fixes = {
            "invalid_auth": f"copy the app-level token (xapp-…) from {where}",
            "missing_scope": f"generate an app-level token with {APP_TOKEN_SCOPES[0]} in {where}",
            "not_allowed_token_type": f"SLACK_APP_TOKEN must be an app-level token from {where}",
        }
        fix = fixes.get(error, f"Slack answered {error}; check SLACK_APP_TOKEN")
        fix += ", and turn on Settings > Socket Mode (manifests/socket-mode.json does)"
        return Item("fail", f"{title}: Slack said {error}", fix=fix)
    except (SlackClientError, OSError) as exc:
        return Item("fail", f"{title}: {type(exc).__name__}", fix="check the network or proxy")
    return Item("ok", title)


def _api_base(settings: Settings) -> str:
    if settings.dd_api_url:
        return f"{settings.datadog_api_base} (DD_API_URL, instead of {api_base(settings.dd_site)})"
    return settings.datadog_api_base


def check_api_key(settings: Settings, client: DatadogClient) -> Item:
    title = f"Datadog API key is valid for {settings.dd_site} (GET /api/v1/validate)"
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
        return Item("fail", title, [str(exc)], _net_fix())
    return Item("ok", title, [f"API base: {_api_base(settings)}"])


def _net_fix() -> str:
    return f"check the network or proxy, DD_SITE (valid: {', '.join(SITES)}) and DD_API_URL"


def check_read(title: str, permission: str, read: Callable[[], object], settings: Settings) -> Item:
    """One read with the application key; a 403 names the permission to grant."""
    try:
        read()
    except DatadogTransportError as exc:
        return Item("fail", f"{title}: Datadog unreachable", [str(exc)], _net_fix())
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


def check_datadog(settings: Settings) -> list[Item]:
    client = DatadogClient(
        settings.dd_api_key.get_secret_value(),
        settings.dd_app_key.get_secret_value(),
        site=settings.dd_site,
        base_url=settings.datadog_api_base,
        timeout=httpx.Timeout(10.0, connect=5.0),
        retry=CHECK_RETRY,
    )
    users_title = "Datadog application key can read users (GET /api/v2/users)"
    incidents_title = "Datadog application key can read incidents (GET /api/v2/incidents/search)"
    settings_title = "Datadog application key can read incident types (GET .../config/types)"
    try:
        key = check_api_key(settings, client)
        if key.status != "ok":
            why = ["needs a valid DD_API_KEY first"]
            titles = (users_title, incidents_title, settings_title)
            return [key, *(Item("skip", title, why) for title in titles)]
        users = check_read(
            users_title,
            "user_access_read",
            lambda: client.find_active_user_by_email(PROBE_EMAIL),
            settings,
        )
        incidents = check_read(
            incidents_title,
            "incident_read",
            lambda: client.search_incidents("state:active", page_size=1),
            settings,
        )
        if incidents.status == "ok":
            incidents.details.append(
                "incident_write is only proven by declaring: try a test incident "
                "(the form's “This is a test incident”)"
            )
        types = check_read(
            settings_title, "incident_settings_read", client.list_incident_types, settings
        )
        return [key, users, incidents, types]
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


def run_check(
    settings: Settings | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    env_file: str | Path | None = ".env",
    out: TextIO | None = None,
) -> int:
    """Print the checklist; 0 when every check passed, else 1."""
    out = out or sys.stdout
    print("declare-bot check\n", file=out)
    if settings is None:
        settings, config = check_config(environ, env_file)
    else:
        config = config_ok(settings)
    checklist = Checklist(out, settings.secret_values() if settings else [])
    checklist.add(config)
    if settings is not None:
        for item in check_bot_token(settings):
            checklist.add(item)
        checklist.add(check_app_token(settings))
        for item in check_datadog(settings):
            checklist.add(item)
        checklist.add(check_links(settings))
    passed, failed, skipped = (checklist.count(s) for s in ("ok", "fail", "skip"))
    total = passed + failed + skipped
    if failed or skipped:
        summary = f"{failed} of {total} checks failed" + (f", {skipped} skipped" if skipped else "")
        print(f"\n{summary}: fix each ✗ and run `declare-bot check` again.", file=out)
        return 1
    print(f"\nAll {total} checks passed. Start the bot with `make run` or `declare-bot`.", file=out)
    return 0
