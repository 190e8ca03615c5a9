"""`SETTINGS`: the single table of what can be configured.

The loader, the README and `.env.example` all follow it (a test keeps them in agreement).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.datadog.sites import SITES
from bot.domain.cadence.policy import DEFAULT_STABLE_REMINDER, DEFAULT_UPDATE_REMINDERS
from bot.domain.incident.declaration import SEVERITIES
from bot.domain.monitor.alert import DEFAULT_MONITOR_SEVERITY


@dataclass(frozen=True)
class SettingDoc:
    """One configurable value: its variable, default and where to get it."""

    env: str
    default: str
    help: str
    where: str
    secret: bool = False
    required: bool = False


SETTINGS: tuple[SettingDoc, ...] = (
    SettingDoc(
        "DD_API_KEY",
        "",
        "Datadog API key.",
        "Datadog > Organization Settings > API Keys",
        secret=True,
        required=True,
    ),
    SettingDoc(
        "DD_APP_KEY",
        "",
        "Datadog application key; needs user_access_read, incident_read, incident_write "
        "and incident_settings_read; monitors_read (optional) fills the form from monitor "
        "alerts.",
        "Datadog > Organization Settings > Application Keys",
        secret=True,
        required=True,
    ),
    SettingDoc(
        "DD_SITE",
        "datadoghq.com",
        "Your Datadog site: " + ", ".join(SITES) + ".",
        "the host in your Datadog URL",
    ),
    SettingDoc(
        "DD_API_URL", "", "Override of the Datadog API base URL (tests, proxies).", "leave empty"
    ),
    SettingDoc(
        "SLACK_BOT_TOKEN",
        "",
        "Slack bot token (xoxb-...).",
        "Slack app > OAuth & Permissions",
        secret=True,
        required=True,
    ),
    SettingDoc(
        "SLACK_APP_TOKEN",
        "",
        "Slack app-level token (xapp-...) with connections:write; set it to use Socket Mode.",
        "Slack app > Basic Information > App-Level Tokens",
        secret=True,
    ),
    SettingDoc(
        "SLACK_SIGNING_SECRET",
        "",
        "Slack signing secret; required in HTTP mode (no SLACK_APP_TOKEN).",
        "Slack app > Basic Information > App Credentials",
        secret=True,
    ),
    SettingDoc(
        "SLACK_API_URL", "", "Override of the Slack Web API base URL (tests).", "leave empty"
    ),
    SettingDoc(
        "PORT",
        "3000",
        "HTTP port for POST /slack/events and GET /healthz in HTTP mode; it never serves "
        "metrics (see METRICS_PORT).",
        "your platform sets it",
    ),
    SettingDoc(
        "METRICS_PORT",
        "",
        "Port of a listener serving only GET /metrics (Prometheus), in Socket Mode and HTTP "
        "mode alike; keep it off the internet (no credentials). Empty: metrics off.",
        "a port your metrics agent can reach",
    ),
    SettingDoc(
        "DECLARE_DEFAULT_SEVERITY",
        "UNKNOWN",
        "Severity preselected in the form: " + ", ".join(SEVERITIES) + ".",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_MONITOR_SEVERITY",
        DEFAULT_MONITOR_SEVERITY,
        "Monitor priority to severity when declaring from a monitor alert, as priority:severity "
        "pairs; a priority left out, or a monitor without one, keeps the default severity.",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_MONITOR_FROM_ANY_MESSAGE",
        "false",
        "Read the monitor linked in any message declared from (true), not only in alerts an "
        "app or bot posted (Datadog's); true lets any member who may declare have the bot "
        "read any monitor's name, tags and priority with its keys.",
        "your security policy",
    ),
    SettingDoc(
        "DECLARE_STATUS_PAGE",
        "",
        "Datadog status page id (a UUID): the Post update modal offers to publish a public "
        "notice there, and resolving offers to resolve it (docs/status-page.md); empty: off.",
        "Datadog > Status Pages > the page's URL",
    ),
    SettingDoc(
        "DECLARE_DEFAULT_HANDLES",
        "",
        "Comma-separated Datadog handles always notified, e.g. @oncall-sre,@slack-incidents.",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_ALLOWED_HANDLES",
        "",
        "Comma-separated patterns (fnmatch: * ? [ ]) of the Datadog handles a declarer may "
        "type in the form, e.g. @pagerduty-*,@slack-*; empty allows any.",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_ALLOWED_CHANNELS",
        "",
        "Comma-separated channel IDs where /declare may run; empty allows all.",
        "channel details in Slack",
    ),
    SettingDoc(
        "DECLARE_ALLOWED_USERGROUPS",
        "",
        "Comma-separated user group IDs whose members may declare; empty allows everyone.",
        "Slack user group settings",
    ),
    SettingDoc(
        "DECLARE_ALLOW_GUESTS",
        "false",
        "Let guests (is_restricted, is_ultra_restricted) and people from another workspace "
        "(Slack Connect) declare and change incidents (true or false); they always see only "
        "the incidents of conversations they are members of.",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_INCIDENT_CHANNEL",
        "never",
        "Dedicated incident channel: never (thread-first), ask (a checkbox in the form) or always.",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_INCIDENT_CHANNEL_DEFAULT",
        "false",
        "With ask: whether the form's “Create an incident channel” box starts checked "
        "(true or false).",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_CHANNEL_NAME",
        "inc-{public_id}-{title}",
        "Incident channel name template: {public_id} (required), {title}, {severity}; "
        "lowercase letters, digits, - and _.",
        "your naming convention",
    ),
    SettingDoc(
        "DECLARE_CHANNEL_PRIVATE",
        "false",
        "Make every incident channel private (true); else only those declared from a "
        "private channel or a DM.",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_ARCHIVE_ON_RESOLVE",
        "false",
        "Archive the incident channel when the incident is resolved (true or false).",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_CAPTURE_REACTION",
        "",
        "Emoji name (e.g. pushpin) whose reaction adds a message to the incident, in incident "
        "channels the bot created; empty: off. Needs reactions:read and a history read.",
        "your team's habit (docs/record.md)",
    ),
    SettingDoc(
        "DECLARE_POSTMORTEM",
        "offer",
        "Draft the postmortem in Datadog on resolve: offer (a checkbox in the resolve form, "
        "on by default), always, or never; resolved cards have a Postmortem button unless "
        "never.",
        "your incident policy",
    ),
    SettingDoc(
        "DECLARE_POSTMORTEM_TEMPLATE",
        "",
        "Path to a markdown file the postmortem is drafted into: {{title}}, {{incident}}, "
        "{{link}}, {{summary}}, {{impact}}, {{timeline}}, {{responders}}, {{todos}} are "
        "filled in, and each # or ## heading starts a cell; empty: the built-in layout.",
        "your postmortem template (docs/postmortem.md)",
    ),
    SettingDoc(
        "STORE_PATH",
        "declare-bot.sqlite3",
        "SQLite file that keeps declarations until they are announced.",
        "a writable path",
    ),
    SettingDoc(
        "REDIS_URL",
        "",
        "Redis URL to share declarations between replicas; overrides STORE_PATH.",
        "your Redis service",
        secret=True,
    ),
    SettingDoc(
        "COMMANDER_CACHE_TTL",
        "600",
        "Seconds a Slack user to Datadog user resolution is cached.",
        "keep the default",
    ),
    SettingDoc(
        "DECLARE_SYNC_INTERVAL",
        "60",
        "Seconds between checks for changes made in Datadog (the card and thread follow "
        "them); 0 turns the sync off.",
        "keep the default",
    ),
    SettingDoc(
        "DECLARE_UPDATE_REMINDERS",
        DEFAULT_UPDATE_REMINDERS,
        "How often an active incident should post a status update, per severity "
        "(SEVERITY=DURATION, units s, m, h); the commander is reminded when one is overdue. "
        "A severity not named gets no reminders; off turns them off.",
        "keep the default, or your incident policy",
    ),
    SettingDoc(
        "DECLARE_STABLE_REMINDER",
        DEFAULT_STABLE_REMINDER,
        "How long a stable incident waits before one reminder to resolve it (units s, m, "
        "h); off turns it off.",
        "keep the default",
    ),
    SettingDoc(
        "DECLARE_REMINDER_TICK",
        "30",
        "Seconds between looks for due reminders (a reminder is at most this late); 0 turns "
        "reminders and the stakeholder channel's first messages off.",
        "keep the default",
    ),
    SettingDoc(
        "DECLARE_UPDATES_CHANNEL",
        "",
        "Channel ID where every incident declared in a public channel gets one message, "
        "kept current, with a thread reply per status update and change; empty: none.",
        "the stakeholders' channel (invite the bot)",
    ),
    SettingDoc("LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR.", "keep the default"),
    SettingDoc(
        "LOG_FORMAT",
        "text",
        "text (human-readable) or json (JSON lines).",
        "json for log pipelines",
    ),
)
