"""The journal: what the bot keeps of an incident's life, in the order it happened.

Datadog has no public API to add a timeline entry after an incident is created, so the bot
keeps its own: declared, every change from Slack with who and when, status updates, Slack
messages added to the incident, responders, pages, to-dos, resolved. The postmortem is
drafted from it. One entry per fact: its `key` names the fact (e.g. `captured:C1:1712.5`),
so writing it again (a retry, a redelivery, a second replica) keeps the first.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict


class EntryKind(StrEnum):
    DECLARED = "declared"
    CHANGED = "changed"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CAPTURED = "captured"
    RESPONDER_ADDED = "responder_added"
    RESPONDER_REMOVED = "responder_removed"
    PAGED = "paged"
    STATUS_UPDATE = "status_update"
    NOTICE_PUBLISHED = "notice_published"
    """A public notice published or changed on the status page (text: its message)."""
    TODO_ADDED = "todo_added"
    TODO_DONE = "todo_done"
    TODO_REOPENED = "todo_reopened"
    POSTMORTEM = "postmortem"


class JournalEntry(BaseModel):
    """One fact of an incident's life. `text` is plain, as people wrote or read it: escape it
    where it is shown (mrkdwn in Slack, markdown in Datadog)."""

    model_config = ConfigDict(frozen=True)

    key: str
    incident_id: str
    at: float
    """Unix time it happened (not when it was written down)."""
    kind: EntryKind
    actor_id: str | None = None
    """The Slack user who did it; None when it happened in Datadog or by the bot."""
    text: str = ""
    permalink: str | None = None
    data: dict[str, str] = {}


def in_order(entries: list[JournalEntry]) -> list[JournalEntry]:
    """Time order; entries of the same instant by key, so every store answers alike."""
    return sorted(entries, key=lambda e: (e.at, e.key))


class Journal(Protocol):
    """Kept beside the cards (SQLite or Redis)."""

    def add_entry(self, entry: JournalEntry) -> bool:
        """Keep `entry`; False, writing nothing, when an entry with its key is kept already."""
        ...

    def entries(self, incident_id: str) -> list[JournalEntry]:
        """The incident's entries in time order (`in_order`); unreadable rows skipped."""
        ...
