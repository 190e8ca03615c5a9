"""A message declared from (the message shortcut): its title, its quote, its Datadog links,
and the notice shown when an incident was already declared from it.

Pure functions over the `message` of a `message_action` payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.domain.declare.record import DeclarationRecord
from bot.domain.incident.declaration import SUMMARY_MAX, TITLE_MAX, shorten
from bot.domain.monitor.links import parse_context_link
from bot.slack.common import ids
from bot.slack.common.mrkdwn import BUTTON_MAX, VIEW_TITLE_MAX, safe
from bot.slack.declare.form.blocks import plain

LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
"""Slack's markup: <https://x|label>, <@U1>, <#C1|name>, <!here>."""
FORMATTING = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")
"""Markers at word edges; an underscore inside a name (db_primary) stays."""
URL = re.compile(r"https?://[^\s<>|\"'`]+")
LINKS_MAX = 10
LINK_MAX = 500


@dataclass(frozen=True)
class SourceMessage:
    """What a message contributes to the form."""

    title: str
    summary: str
    links: tuple[str, ...]


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def readable(text: str, *, markdown: bool = False) -> str:
    """Slack markup as a person reads it; links as [label](url) when `markdown`."""

    def replace(found: re.Match[str]) -> str:
        target, label = found.group(1), found.group(2)
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return label or "@" + target[1:].split("^")[0]
        if markdown and label:
            return f"[{label}]({target})"
        return label or target

    return _unescape(LINK.sub(replace, text))


def message_text(message: dict[str, Any]) -> str:
    """The message's text, or its attachments' (alerts are often attachment-only)."""
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return text
    parts: list[str] = []
    attachments = message.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if not isinstance(attachment, dict):
            continue
        for key in ("pretext", "title", "text", "fallback"):
            value = attachment.get(key)
            if isinstance(value, str) and value.strip() and value not in parts:
                parts.append(value)
    return "\n".join(parts)


def title_of(text: str) -> str:
    """The first non-empty line, without quote marks or *bold*, _italic_, ~strike~ markers."""
    for line in readable(text).splitlines():
        line = FORMATTING.sub("", " ".join(line.strip().lstrip(">").split())).strip()
        if line:
            return shorten(line, TITLE_MAX)
    return ""


def quote_of(text: str, permalink: str) -> str:
    """“What's happening”: the message as a Markdown quote, then its permalink."""
    footer = f"\n\nFrom Slack: {permalink}" if permalink else ""
    lines = readable(text, markdown=True).strip().splitlines()
    quote = "\n".join("> " + line if line.strip() else ">" for line in lines)
    return shorten(quote, SUMMARY_MAX - len(footer)) + footer if quote else footer.strip()


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def is_context_link(url: str) -> bool:
    """A Datadog monitor, dashboard or notebook, on any Datadog site or custom subdomain.

    Strict (bot/domain/monitor/links.py): no backslash, userinfo, port or non-ASCII host, so
    a browser and Python agree on where the link goes.
    """
    return parse_context_link(url) is not None


def context_links(message: dict[str, Any]) -> tuple[str, ...]:
    """Datadog links anywhere in the message: text, blocks and attachments."""
    found: dict[str, None] = {}
    for text in _strings({k: message.get(k) for k in ("text", "blocks", "attachments")}):
        targets = [m.group(1) for m in LINK.finditer(text)] + URL.findall(text)
        for url in targets:
            url = _unescape(url).rstrip(".,;:!?)")
            rebuilt = parse_context_link(url) if len(url) <= LINK_MAX else None
            if rebuilt:
                found.setdefault(rebuilt)
    return tuple(found)[:LINKS_MAX]


def read_source(message: dict[str, Any], permalink: str) -> SourceMessage:
    text = message_text(message)
    return SourceMessage(
        title=title_of(text),
        summary=quote_of(text, permalink),
        links=context_links(message),
    )


def duplicate_view(record: DeclarationRecord, metadata: str) -> dict[str, Any]:
    """Shown instead of the form when this message already has an incident."""
    title = safe(record.declaration.title, 500)
    if record.incident_url:
        lead = (
            f":warning: <{record.incident_url}|{record.incident_label}> was already declared "
            f"from this message: *{title}*"
        )
    else:
        lead = (
            f":hourglass_flowing_sand: An incident is being declared from this message: *{title}*"
        )
    text = lead + "\nIf this is a different incident, you can still declare a new one."
    return {
        "type": "modal",
        "callback_id": ids.MODAL_CALLBACK + "_duplicate",
        "title": plain("Already declared", VIEW_TITLE_MAX),
        "close": plain("Close", VIEW_TITLE_MAX),
        "private_metadata": metadata,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": plain("Declare a new incident anyway", BUTTON_MAX),
                        "action_id": ids.DECLARE_ANYWAY_ACTION,
                        "value": "new",
                    }
                ],
            },
        ],
    }
