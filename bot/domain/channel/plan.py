"""The optional incident channel: its mode, its name, and what a declaration knows of it.

Names follow Slack's rules (lowercase letters, digits, `-`, `_`; at most 80 characters),
so the channel is never refused for its name: the template is checked at startup and the
title is slugged. A test incident's channel says so (`-test`); on `name_taken` a numeric
suffix is tried (`-2`, `-3`, ...), each candidate saved before it is sent.
"""

from __future__ import annotations

import re
import string
import unicodedata
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

NAME_MAX = 80
DEFAULT_TEMPLATE = "inc-{public_id}-{title}"
PLACEHOLDERS = frozenset({"public_id", "title", "severity"})
NAME_ATTEMPTS = 5
"""Suffixes tried on name_taken before giving up (the incident still completes)."""


class ChannelMode(StrEnum):
    NEVER = "never"
    ASK = "ask"
    ALWAYS = "always"


def wants_channel(mode: ChannelMode, checked: bool) -> bool:
    """Whether a declaration gets a channel: the setting, or the person's choice with `ask`."""
    return mode is ChannelMode.ALWAYS or (mode is ChannelMode.ASK and checked)


def slug(text: str) -> str:
    """Lowercase ASCII letters and digits joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def template_problem(template: str) -> str | None:
    """Why a DECLARE_CHANNEL_NAME template can't make valid names, or None."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        return f"not a valid template ({exc})"
    unknown = fields - PLACEHOLDERS
    if unknown:
        first = sorted(unknown)[0]
        return f"unknown placeholder {{{first}}}; use {{public_id}}, {{title}}, {{severity}}"
    if "public_id" not in fields:
        return "must contain {public_id}, so every incident's channel has its own name"
    literal = template
    for field in fields:
        literal = literal.replace("{" + field + "}", "")
    if literal != literal.lower() or not re.fullmatch(r"[a-z0-9_-]*", literal):
        return "may only contain lowercase letters, digits, '-' and '_' besides its placeholders"
    return None


def channel_name(
    template: str,
    *,
    public_id: int,
    title: str,
    severity: str = "",
    is_test: bool = False,
    attempt: int = 0,
) -> str:
    """The channel's name: the template filled, slugged, cut to 80, keeping its suffixes:
    `-2`, `-3`... for the `attempt`-th try after name_taken, then `-test`."""
    suffix = (f"-{attempt + 1}" if attempt else "") + ("-test" if is_test else "")
    head = template.replace("{title}", "\x00")
    head = head.format(public_id=public_id, severity=slug(severity) or "unknown")
    room = NAME_MAX - len(suffix) - len(head.replace("\x00", ""))
    name = head.replace("\x00", slug(title)[: max(room, 0)].strip("-"))
    name = re.sub(r"-{2,}", "-", name).strip("-_")[: NAME_MAX - len(suffix)].rstrip("-_")
    return name + suffix


class ChannelPlan(BaseModel):
    """How far the incident channel has come; part of the stored declaration."""

    model_config = ConfigDict(frozen=True)

    name: str
    """The name being tried (saved before each conversations.create)."""
    private: bool = False
    attempt: int = 0
    create_sent: bool = False
    """A create for `name` may have reached Slack: find it before creating again."""
    id: str | None = None
    invited: bool = False
    topic_set: bool = False
    bookmarked: bool = False
    error: str | None = None
    """Why there is no channel (told in the thread reply, with the fix)."""
    pointer_ts: str | None = None
    """The short pointer in the origin channel (or the source message's thread); "" if none."""
    pointer_channel: str | None = None
    """Where the pointer is (the origin, or the declarer's DM when the origin refused it)."""

    @property
    def ready(self) -> bool:
        return self.id is not None and self.invited and self.topic_set

    @property
    def settled(self) -> bool:
        """Made and furnished, or given up on: the declaration moves on."""
        return self.ready or self.error is not None


TOPIC_MAX = 250


def topic(severity: str, state: str, commander_slack_id: str | None, url: str | None) -> str:
    """The channel's topic: severity, state, commander and link, within Slack's 250."""
    parts = [severity, state]
    if commander_slack_id:
        parts.append(f"Commander: <@{commander_slack_id}>")
    if url:
        parts.append(url)
    return " · ".join(parts)[:TOPIC_MAX]


class ChannelRefused(Exception):
    """Slack won't make the channel; `reason` and `fix` are told in the thread reply.

    `name_taken` asks for the next suffix; anything else ends the channel attempt.
    """

    def __init__(self, reason: str, fix: str, *, name_taken: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix
        self.name_taken = name_taken
