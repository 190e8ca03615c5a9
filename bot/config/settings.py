"""Settings from the environment and `.env`; every problem is reported at once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from bot.config.table import SETTINGS
from bot.datadog.sites import SITES, api_base
from bot.domain.cadence.policy import (
    DEFAULT_STABLE_REMINDER,
    DEFAULT_UPDATE_REMINDERS,
    ReminderPolicy,
    off,
    parse_duration,
    parse_intervals,
)
from bot.domain.channel.plan import DEFAULT_TEMPLATE, ChannelMode, template_problem
from bot.domain.incident.declaration import SEVERITIES
from bot.domain.monitor.alert import DEFAULT_MONITOR_SEVERITY, parse_monitor_severity
from bot.domain.record.postmortem import PostmortemMode
from bot.logs import userinfo_secrets

TEMPLATE_MAX = 100_000


def read_template(path: str) -> str:
    """The postmortem template's markdown; ValueError saying what is wrong with the file."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ValueError(f"can't read {path}: {exc.strerror or exc}") from None
    if len(data) > TEMPLATE_MAX:
        raise ValueError(f"{path} is over {TEMPLATE_MAX} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None
    if not text.strip():
        raise ValueError(f"{path} is empty")
    return text


class ConfigError(Exception):
    """Startup cannot go on: `problems` lists every bad or missing setting."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "declare-bot cannot start; fix these settings:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


HANDLE_PATTERN = re.compile(r"@[A-Za-z0-9._+/:@*?\[\]!-]{1,200}")
"""A DECLARE_ALLOWED_HANDLES pattern: a Datadog handle, with fnmatch wildcards."""


def _csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseModel):
    """Validated configuration; secrets are `SecretStr` so a repr masks them."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    dd_api_key: SecretStr = Field(alias="DD_API_KEY", min_length=1)
    dd_app_key: SecretStr = Field(alias="DD_APP_KEY", min_length=1)
    dd_site: str = Field("datadoghq.com", alias="DD_SITE")
    dd_api_url: str | None = Field(None, alias="DD_API_URL")
    slack_bot_token: SecretStr = Field(alias="SLACK_BOT_TOKEN", min_length=1)
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str | None = Field(None, alias="SLACK_API_URL")
    port: int = Field(3000, alias="PORT", ge=1, le=65535)
    metrics_port: int | None = Field(None, alias="METRICS_PORT", ge=0, le=65535)
    default_severity: str = Field("UNKNOWN", alias="DECLARE_DEFAULT_SEVERITY")
    monitor_severity: dict[int, str] = Field(
        default_factory=lambda: parse_monitor_severity(DEFAULT_MONITOR_SEVERITY),
        alias="DECLARE_MONITOR_SEVERITY",
    )
    """Monitor priority (1..5) -> severity, for declaring from a monitor alert."""
    monitor_from_any_message: bool = Field(False, alias="DECLARE_MONITOR_FROM_ANY_MESSAGE")
    """Read the monitor a person's message links to, not only an app's alert's."""
    status_page: str | None = Field(None, alias="DECLARE_STATUS_PAGE")
    """The Datadog status page public notices are published on (None: off)."""
    default_handles: list[str] = Field(default_factory=list, alias="DECLARE_DEFAULT_HANDLES")
    allowed_channels: list[str] = Field(default_factory=list, alias="DECLARE_ALLOWED_CHANNELS")
    allowed_usergroups: list[str] = Field(default_factory=list, alias="DECLARE_ALLOWED_USERGROUPS")
    allow_guests: bool = Field(False, alias="DECLARE_ALLOW_GUESTS")
    allowed_handles: list[str] = Field(default_factory=list, alias="DECLARE_ALLOWED_HANDLES")
    incident_channel: ChannelMode = Field(ChannelMode.NEVER, alias="DECLARE_INCIDENT_CHANNEL")
    incident_channel_default: bool = Field(False, alias="DECLARE_INCIDENT_CHANNEL_DEFAULT")
    channel_name: str = Field(DEFAULT_TEMPLATE, alias="DECLARE_CHANNEL_NAME")
    channel_private: bool = Field(False, alias="DECLARE_CHANNEL_PRIVATE")
    archive_on_resolve: bool = Field(False, alias="DECLARE_ARCHIVE_ON_RESOLVE")
    capture_reaction: str | None = Field(None, alias="DECLARE_CAPTURE_REACTION")
    postmortem: PostmortemMode = Field(PostmortemMode.OFFER, alias="DECLARE_POSTMORTEM")
    postmortem_template: str = Field("", alias="DECLARE_POSTMORTEM_TEMPLATE")
    """A markdown file's path (read once at start); empty: the built-in layout."""
    store_path: str = Field("declare-bot.sqlite3", alias="STORE_PATH")
    redis_url: SecretStr | None = Field(None, alias="REDIS_URL")
    commander_cache_ttl: float = Field(600.0, alias="COMMANDER_CACHE_TTL", ge=0)
    sync_interval: float = Field(60.0, alias="DECLARE_SYNC_INTERVAL", ge=0)
    update_reminders: str = Field(DEFAULT_UPDATE_REMINDERS, alias="DECLARE_UPDATE_REMINDERS")
    """Per severity, e.g. SEV-1=15m,SEV-2=30m; off: no reminders (docs/cadence.md)."""
    stable_reminder: str = Field(DEFAULT_STABLE_REMINDER, alias="DECLARE_STABLE_REMINDER")
    reminder_tick: float = Field(30.0, alias="DECLARE_REMINDER_TICK", ge=0)
    updates_channel: str = Field("", alias="DECLARE_UPDATES_CHANNEL")
    """The stakeholder channel; empty: none."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", alias="LOG_FORMAT")

    @field_validator("update_reminders")
    @classmethod
    def _readable_reminders(cls, value: str) -> str:
        parse_intervals(value)  # BadInterval is a ValueError: reported with the others
        return value.strip()

    @field_validator("stable_reminder")
    @classmethod
    def _readable_stable(cls, value: str) -> str:
        if not off(value):
            parse_duration(value)
        return value.strip()

    @field_validator("updates_channel")
    @classmethod
    def _channel_id(cls, value: str) -> str:
        return value.strip().lstrip("#")

    def reminder_policy(self) -> ReminderPolicy:
        return ReminderPolicy.from_settings(self.update_reminders, self.stable_reminder)

    @field_validator("capture_reaction")
    @classmethod
    def _emoji_name(cls, value: str | None) -> str | None:
        """`:pushpin:` or `pushpin` → `pushpin`; empty → None (off)."""
        name = (value or "").strip().strip(":").strip()
        if not name:
            return None
        if not re.fullmatch(r"[a-z0-9_+'-]+", name):
            raise ValueError("an emoji name such as pushpin (letters, digits, _ + - ')")
        return name

    @field_validator("dd_site")
    @classmethod
    def _known_site(cls, value: str) -> str:
        site = value.strip().lower().removeprefix("https://").removeprefix("app.").rstrip("/")
        if site not in SITES:
            raise ValueError(f"unknown Datadog site {value!r}; valid sites: {', '.join(SITES)}")
        return site

    @field_validator("default_severity")
    @classmethod
    def _known_severity(cls, value: str) -> str:
        severity = value.strip().upper()
        if severity not in SEVERITIES:
            raise ValueError(f"must be one of {', '.join(SEVERITIES)}")
        return severity

    @field_validator("incident_channel", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("channel_name")
    @classmethod
    def _template(cls, value: str) -> str:
        problem = template_problem(value.strip())
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("status_page", mode="before")
    @classmethod
    def _status_page(cls, value: object) -> object:
        if isinstance(value, str):
            page = value.strip()
            if page and not re.fullmatch(r"[0-9A-Fa-f-]{8,64}", page):
                raise ValueError(f"{page!r} is not a status page id (a UUID from the page's URL)")
            return page.lower() or None
        return value

    @field_validator("monitor_severity", mode="before")
    @classmethod
    def _monitor_severity(cls, value: object) -> object:
        return parse_monitor_severity(value) if isinstance(value, str) else value

    @field_validator("default_handles", mode="before")
    @classmethod
    def _handles(cls, value: object) -> object:
        parsed = _csv(value)
        if isinstance(parsed, list):
            return [h if str(h).startswith("@") else f"@{h}" for h in parsed]
        return parsed

    @field_validator("allowed_handles", mode="before")
    @classmethod
    def _handle_patterns(cls, value: object) -> object:
        parsed = _csv(value)
        if not isinstance(parsed, list):
            return parsed
        patterns = [p if str(p).startswith("@") else f"@{p}" for p in parsed]
        bad = [p for p in patterns if not HANDLE_PATTERN.fullmatch(p)]
        if bad:
            raise ValueError(
                f"not a handle pattern: {', '.join(bad[:5])}; use forms like @pagerduty-* "
                "or @slack-incidents (letters, digits, . _ - + / : @ and the wildcards * ? [ ])"
            )
        return [p.lower() for p in patterns]

    @field_validator("allowed_channels", "allowed_usergroups", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _csv(value)

    @field_validator("postmortem", mode="before")
    @classmethod
    def _postmortem_mode(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("postmortem_template")
    @classmethod
    def _postmortem_template(cls, value: str) -> str:
        path = value.strip()
        if path:
            read_template(path)  # a missing or unreadable file stops the start, clearly
        return path

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def datadog_api_base(self) -> str:
        return (self.dd_api_url or api_base(self.dd_site)).rstrip("/")

    @property
    def slack_api_base(self) -> str | None:
        if not self.slack_api_url:
            return None
        return self.slack_api_url.rstrip("/") + "/"

    def secret_values(self) -> list[str]:
        """Every secret's value, for the log redactor; with credentials in the API URLs."""
        secrets = [self.dd_api_key, self.dd_app_key, self.slack_bot_token]
        optional = (self.slack_app_token, self.slack_signing_secret, self.redis_url)
        secrets += [s for s in optional if s is not None]
        values = [s.get_secret_value() for s in secrets if s.get_secret_value()]
        return values + userinfo_secrets(self.dd_api_url) + userinfo_secrets(self.slack_api_url)


def _field_env_names() -> dict[str, str]:
    return {name: info.alias or name for name, info in Settings.model_fields.items()}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Read settings: the real environment wins over `.env`; raise ConfigError listing all."""
    environ = dict(os.environ if environ is None else environ)
    from_file: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    known = {doc.env for doc in SETTINGS}
    raw: dict[str, str] = {}
    source: dict[str, str] = {}
    for key in known:
        if environ.get(key, "") != "":
            raw[key], source[key] = environ[key], "the environment"
        elif from_file.get(key, "") != "":
            raw[key], source[key] = from_file[key], f"{env_file}"
    problems: list[str] = []
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        env_names = _field_env_names()
        for error in exc.errors():
            loc = str(error["loc"][0]) if error["loc"] else ""
            env = env_names.get(loc, loc)
            if error["type"] == "missing":
                doc = next(d for d in SETTINGS if d.env == env)
                problems.append(f"{env} is missing: set it in the environment or .env: {doc.where}")
            else:
                message = str(error["msg"]).removeprefix("Value error, ")
                problems.append(f"{env} (from {source.get(env, 'default')}): {message}")
        raise ConfigError(problems) from None
    if not settings.socket_mode and settings.slack_signing_secret is None:
        problems.append(
            "SLACK_SIGNING_SECRET is missing: HTTP mode needs it (or set SLACK_APP_TOKEN for "
            "Socket Mode); find it under Slack app > Basic Information > App Credentials"
        )
    if problems:
        raise ConfigError(problems)
    return settings
