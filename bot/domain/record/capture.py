"""A Slack message added to an incident ("captured"): what the bot keeps of it.

The bot keeps the record itself (Datadog has no API to add a timeline entry after the
create) and points Datadog at the message through a link attachment. A message is one
capture however often it is added: its key is per message, `captured:{channel}:{ts}`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.domain.incident.journal import EntryKind, JournalEntry
from bot.domain.record.postmortem import plain_text

LINK_TITLE_MAX = 120
"""The link attachment's title: the author and the start of the text, on one line."""


def capture_key(channel_id: str, ts: str) -> str:
    """One key per Slack message: `captured:C0INC:1700000000.000100`."""
    return f"captured:{channel_id}:{ts}"


def ts_time(ts: str) -> float:
    """A Slack ts as unix time (`"1700000000.000100"` → 1700000000.0001); 0.0 if unreadable."""
    try:
        return float(ts)
    except ValueError:
        return 0.0


def one_line(text: str, limit: int) -> str:
    """Whitespace folded to single spaces, cut to `limit` characters with an ellipsis."""
    folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


class CapturedMessage(BaseModel):
    """A message as the bot recorded it; `text` is as written (escape it where shown)."""

    model_config = ConfigDict(frozen=True)

    channel_id: str
    ts: str
    author_id: str | None = None
    """The Slack user who wrote it (a bot's message may have none)."""
    author_name: str | None = None
    text: str = ""
    permalink: str
    files: tuple[str, ...] = ()
    """The names of files shared with it: named, never copied."""
    thread_ts: str | None = None

    @property
    def key(self) -> str:
        return capture_key(self.channel_id, self.ts)

    @property
    def at(self) -> float:
        """When it was written (unix time), from its ts."""
        return ts_time(self.ts)

    def link_title(self) -> str:
        """The attachment's short title in Datadog: `Slack: Jane: the db is at 100% CPU`."""
        who = self.author_name or self.author_id or "someone"
        body = plain_text(self.text) or (", ".join(self.files) if self.files else "(no text)")
        return one_line(f"Slack: {who}: {body}", LINK_TITLE_MAX)

    def journal_text(self) -> str:
        """The text kept in the journal: as written, with the files named after it."""
        if not self.files:
            return self.text
        named = "Files: " + ", ".join(self.files)
        return f"{self.text}\n{named}" if self.text else named


def captured_entry(message: CapturedMessage, incident_id: str, actor_id: str) -> JournalEntry:
    """The journal's entry: when the message was written, who added it (`data.added_by`)."""
    data = {"channel": message.channel_id, "ts": message.ts, "added_by": actor_id}
    if message.author_id:
        data["author"] = message.author_id
    if message.author_name:
        data["author_name"] = message.author_name
    return JournalEntry(
        key=message.key,
        incident_id=incident_id,
        at=message.at,
        kind=EntryKind.CAPTURED,
        actor_id=message.author_id,
        text=message.journal_text(),
        permalink=message.permalink,
        data=data,
    )
