"""Read a Datadog monitor alert out of a Slack message (the message shortcut's `message`).

Datadog's Slack alerts are undocumented. Seen in the wild: `bot_message`s with empty `text`
and the content in `attachments[]` (`title` like `Triggered: High CPU`, `title_link` to the
monitor, `text`, `fallback`), newer ones in `blocks`, and plain text. Each of those is a
"part"; a part's status comes from its first line that starts like `Triggered:` or
`[Warn on {host:web-1}]`. The form is about the first link of the first alerting part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.domain.incident.declaration import TITLE_MAX, clean, shorten
from bot.domain.monitor.alert import AlertMessage
from bot.domain.monitor.links import MonitorLink, parse_monitor_link

LINKS_MAX = 10
STRINGS_MAX = 500
DEPTH_MAX = 12
TEXT_MAX = 20_000
GROUPS_MAX = 10
GROUP_MAX = 200

STATUSES = {
    status.lower(): status
    for status in (
        "Triggered",
        "Re-Triggered",
        "Warn",
        "Re-Warn",
        "Recovered",
        "Warn Recovered",
        "No Data",
        "Re-No Data",
        "Renotify",
    )
}
_STATUS_WORDS = "|".join(
    re.escape(s).replace(r"\ ", r"\s+") for s in sorted(STATUSES.values(), key=len, reverse=True)
)
_PRIORITY = r"(?:\[P[0-5]\]\s*)?"
_STATUS_LINE = re.compile(
    rf"^\s*{_PRIORITY}(\[)?({_STATUS_WORDS})(?:\s+on\s+\{{([^{{}}]*)\}})?(?(1)\]|\s*:)\s*"
    rf"{_PRIORITY}(.*)$",
    re.IGNORECASE,
)
_SLACK_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_BARE_URL = re.compile(r"https?://[^\s<>|\"'`]+")
_MARKERS = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")


@dataclass(frozen=True)
class _Part:
    """One home of alert content: the text, one attachment, or the blocks."""

    links: tuple[MonitorLink, ...]
    status: str | None = None
    title: str = ""
    group: str | None = None

    @property
    def alerting(self) -> bool:
        return self.status is not None and "recovered" not in self.status.lower()


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def readable(text: str) -> str:
    """Slack markup as read: `<url|label>` is its label, `*bold*` markers dropped."""
    plain = _SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return _MARKERS.sub("", _unescape(plain))


def _strings(node: Any, depth: int = 0) -> list[str]:
    """Every string in a JSON node, in document order, bounded in depth and count."""
    if isinstance(node, str):
        return [node[:TEXT_MAX]]
    if depth > DEPTH_MAX:
        return []
    found: list[str] = []
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        found.extend(_strings(child, depth + 1))
        if len(found) >= STRINGS_MAX:
            return found[:STRINGS_MAX]
    return found


def monitor_links(texts: list[str]) -> tuple[MonitorLink, ...]:
    """Monitor links in these strings, in order, once each (same host and id)."""
    found: dict[str, MonitorLink] = {}
    for text in texts:
        spans = [(m.start(), m.group(1)) for m in _SLACK_LINK.finditer(text)]
        spans += [(m.start(), m.group(0)) for m in _BARE_URL.finditer(text)]
        for _, raw in sorted(spans, key=lambda span: span[0]):
            link = parse_monitor_link(_unescape(raw.strip()).rstrip(".,;:!?)"))
            if link is not None:
                found.setdefault(link.url, link)
    return tuple(found.values())


def status_line(text: str) -> tuple[str, str, str | None] | None:
    """(status, title, group) when the line reads like a Datadog alert title.

    >>> status_line("[Triggered on {host:web-1}] High CPU")
    ('Triggered', 'High CPU', 'host:web-1')
    """
    found = _STATUS_LINE.match(" ".join(readable(text).split()))
    if found is None:
        return None
    status = STATUSES[" ".join(found.group(2).lower().split())]
    group = " ".join((found.group(3) or "").split()) or None
    if group is not None and len(group) > GROUP_MAX:
        group = None
    return status, shorten(clean(found.group(4)), TITLE_MAX), group


def _part(texts: list[str]) -> _Part:
    """A part's links and, from its first alert-title line, status, title and group."""
    for text in texts:
        for line in text.splitlines()[:5]:
            parsed = status_line(line)
            if parsed is not None:
                status, title, group = parsed
                return _Part(monitor_links(texts), status, title, group)
    return _Part(monitor_links(texts))


def _parts(message: dict[str, Any]) -> list[_Part]:
    parts: list[_Part] = []
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        parts.append(_part([text[:TEXT_MAX]]))
    attachments = message.get("attachments")
    for attachment in attachments[:20] if isinstance(attachments, list) else []:
        if isinstance(attachment, dict):
            keys = ("title", "title_link", "pretext", "text", "fallback", "actions", "blocks")
            parts.append(_part(_strings([attachment.get(k) for k in keys])))
    blocks = message.get("blocks")
    if isinstance(blocks, list):
        parts.append(_part(_strings(blocks[:50])))
    return [p for p in parts if p.links or p.status]


def posted_by_app(message: dict[str, Any], own_bot_id: str | None = None) -> bool:
    """An app or bot posted it (`bot_id`, `subtype: bot_message` or `app_id`, as Datadog's
    alerts carry), other than this bot; people's messages carry `user` and none of these."""
    bot_id = message.get("bot_id")
    if own_bot_id and bot_id == own_bot_id:
        return False
    return (
        any(isinstance(message.get(key), str) and message[key] for key in ("bot_id", "app_id"))
        or message.get("subtype") == "bot_message"
    )


def read_alert(message: dict[str, Any], own_bot_id: str | None = None) -> AlertMessage:
    """What a Slack message says about Datadog monitors; empty when it names none.

    The primary link is the first one in a part that is alerting (not `Recovered`), else
    the first link at all; title, status and groups come from that link's part.
    `own_bot_id` is this bot's: its messages are not an app's alerts (see `posted_by_app`).
    """
    parts = _parts(message)
    links: dict[str, MonitorLink] = {}
    for part in parts:
        for link in part.links:
            links.setdefault(link.url, link)
    ordered = tuple(links.values())[:LINKS_MAX]
    home = next((p for p in parts if p.alerting and p.links), None)
    home = home or next((p for p in parts if p.links), None)
    primary = home.links[0] if home is not None else None
    told = home if home is not None and home.status else next((p for p in parts if p.status), None)
    groups = [g for g in (told.group if told else None, primary.group if primary else None) if g]
    return AlertMessage(
        links=ordered,
        primary=primary,
        title=told.title if told else "",
        status=told.status if told else None,
        groups=tuple(dict.fromkeys(groups))[:GROUPS_MAX],
        posted_by_app=posted_by_app(message, own_bot_id),
    )
