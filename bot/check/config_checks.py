"""The configuration check: every bad or missing setting at once, and what was chosen."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.check.checklist import Item
from bot.config import ConfigError, Settings, load_settings


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
