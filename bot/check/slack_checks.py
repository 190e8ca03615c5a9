"""Slack checks: the bot token (auth.test), its scopes, and the app token in Socket Mode."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.check.cadence_checks import check_updates_channel
from bot.check.checklist import Item
from bot.config import Settings
from bot.domain.channel.plan import ChannelMode
from bot.logs import hide_userinfo
from bot.slack.common.client import slack_client
from bot.slack.common.scopes import APP_TOKEN_SCOPES, REQUIRED_SCOPES, WHY

REINSTALL = (
    "then reinstall the app (Slack app > Install App > Reinstall to Workspace) and put the "
    "new Bot User OAuth Token in SLACK_BOT_TOKEN"
)


def _header(headers: Mapping[str, object], name: str) -> str:
    found = next((v for k, v in headers.items() if k.lower() == name), "")
    return ",".join(found) if isinstance(found, list) else str(found)


def check_bot_token(settings: Settings) -> list[Item]:
    """auth.test with the bot token, then its scopes from the x-oauth-scopes header."""
    title = "Slack bot token works (auth.test)"
    skipped = Item("skip", "Slack bot token scopes", ["needs a working bot token"])
    client = slack_client(settings)
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
        base = hide_userinfo(settings.slack_api_base or WebClient.BASE_URL)
        fix = "check the network or proxy" + (
            ", and SLACK_API_URL" if settings.slack_api_url else ""
        )
        title = f"Cannot reach Slack at {base} ({type(exc).__name__})"
        return [Item("fail", title, fix=fix), skipped]
    team, team_id, user = (response.get(k) for k in ("team", "team_id", "user"))
    who = f"workspace {team} ({team_id}), bot @{user}"
    granted = {s.strip() for s in _header(response.headers, "x-oauth-scopes").split(",") if s}
    return [
        Item("ok", title, [who]),
        scopes_item(granted, settings),
        *check_updates_channel(settings, client),
    ]


def _channel_option(settings: Settings) -> bool:
    return settings.incident_channel is not ChannelMode.NEVER


CHANNEL_OPTION = ("DECLARE_INCIDENT_CHANNEL", "is ask or always", "never", _channel_option)
CAPTURE_OPTION = (
    "DECLARE_CAPTURE_REACTION",
    "is set",
    "empty",
    lambda s: bool(s.capture_reaction),
)
OPTION_SCOPES: dict[str, tuple[str, str, str, Callable[[Settings], bool]]] = {
    "usergroups:read": (
        "DECLARE_ALLOWED_USERGROUPS",
        "is set",
        "empty",
        lambda s: bool(s.allowed_usergroups),
    ),
    "channels:manage": CHANNEL_OPTION,
    "groups:write": CHANNEL_OPTION,
    "bookmarks:write": CHANNEL_OPTION,
    "channels:history": CAPTURE_OPTION,
    "groups:history": CAPTURE_OPTION,
    "reactions:read": CAPTURE_OPTION,
}
"""Scopes only an option needs: (its setting, when it needs them, its off value, is it on).
Missing while the option is off is a ⚠; while it is on, a ✗ naming the setting."""


def _why(scope: str, settings: Settings) -> str:
    option = OPTION_SCOPES.get(scope)
    why = f"missing {scope}: needed to {WHY.get(scope, 'run')}"
    if option is None:
        return why
    setting, when, off, in_use = option
    if in_use(settings):
        return f"{why} ({setting} {when})"
    return (
        f"missing {scope}: needed only when {setting} {when} "
        f"(to {WHY.get(scope, 'run')}); it is {off} now"
    )


def scopes_item(granted: set[str], settings: Settings) -> Item:
    missing = sorted(REQUIRED_SCOPES - granted)
    unused = {
        scope
        for scope, (*_, in_use) in OPTION_SCOPES.items()
        if scope in missing and not in_use(settings)
    }
    if not missing:
        extra = sorted(granted - REQUIRED_SCOPES)
        details = [f"granted: {', '.join(sorted(REQUIRED_SCOPES))}"]
        if extra:
            details.append(f"also granted, not needed: {', '.join(extra)}")
        return Item("ok", f"Slack bot token has the {len(REQUIRED_SCOPES)} scopes needed", details)
    fix = (
        "add the missing scopes under Slack app > OAuth & Permissions > Bot Token Scopes (the "
        f"manifests in manifests/ list them all), {REINSTALL}"
    )
    details = [_why(scope, settings) for scope in missing]
    if set(missing) == unused:
        title = f"Slack bot token lacks {', '.join(missing)}, needed only by an unused option"
        return Item("warn", title, details, fix)
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
