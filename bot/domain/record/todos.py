"""An incident's to-dos: as Datadog holds them, and as `/declare todo` writes one.

Assignees are Datadog handles (`@jane@example.com`), resolved from Slack users by email;
`completed` is the time it was completed (None: open).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.domain.incident.journal import EntryKind, JournalEntry

CONTENT_MAX = 1000
"""What one to-do may say (the Slack list shows each on one line, cut shorter)."""
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_PLAIN_MENTION = re.compile(r"(?<![<\w])@[\w.\-]+")
"""`@bob` as Slack sends it when the command doesn't escape mentions: a name, not a person."""
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DUE_WORDS = {"today": 0, "tomorrow": 1}


class TodoTextError(ValueError):
    """`/declare todo` text that can't become a to-do; the message is for the person."""


class PlainMention(TodoTextError):
    """`@bob` typed in `/declare todo`: Slack sends the name, which names no one reliably."""


class AnonymousAssignee(BaseModel):
    """An assignee Datadog keeps by chat identity (e.g. set from Datadog's own Slack app)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    icon: str = ""
    source: str = "slack"


class Todo(BaseModel):
    """One to-do as Datadog holds it."""

    model_config = ConfigDict(frozen=True)

    id: str
    content: str
    assignees: tuple[str, ...] = ()
    """Datadog handles (`@jane@example.com`)."""
    anonymous: tuple[AnonymousAssignee, ...] = ()
    """Assignees Datadog keeps without a handle; sent back whole when the to-do is patched."""
    due: date | None = None
    completed: str | None = None
    """When it was completed (Datadog's timestamp), None while open."""
    modified: str | None = None
    """Datadog's last change to it: names a reopen in the journal."""

    @property
    def done(self) -> bool:
        return self.completed is not None

    @property
    def who(self) -> tuple[str, ...]:
        """Everyone assigned, as shown: handles, then anonymous assignees by name."""
        return self.assignees + tuple(a.name for a in self.anonymous)


class TodoDraft(BaseModel):
    """A to-do as someone asked for it in Slack, before the assignees are resolved."""

    model_config = ConfigDict(frozen=True)

    content: str
    assignee_ids: tuple[str, ...] = ()
    """Slack users."""
    due: date | None = None


def handle_for(email: str) -> str:
    """A Datadog user's to-do handle: `@` and their (lowercased) email."""
    return "@" + email.strip().lower()


def parse_todo_text(text: str, today: date) -> TodoDraft:
    """`/declare todo <text> [@person] [due]`: mentions anywhere assign, and a last word
    that is a date (`2026-12-24`, `today`, `tomorrow`) is the due date.

    `parse_todo_text("Rotate the key <@U1|jane> tomorrow", date(2026, 12, 7))` →
    content "Rotate the key", assignees ("U1",), due 2026-12-08.
    """
    assignees = tuple(dict.fromkeys(_MENTION.findall(text)))
    plain = _PLAIN_MENTION.findall(_MENTION.sub(" ", text))
    if plain:
        raise PlainMention(
            f"`/declare todo` can't tell who {plain[0]} is (Slack sends the name, not the "
            "person), so nothing was added. To assign it, use *Add to-do* on the incident's "
            "card and pick the person there; or leave the person out."
        )
    words = _MENTION.sub(" ", text).split()
    due: date | None = None
    if words:
        due = _due(words[-1], today)
        if due is not None:
            words = words[:-1]
    content = " ".join(words)
    if not content:
        raise TodoTextError(
            "Say what needs doing: `/declare todo Rotate the API key @jane 2026-12-24` "
            "(the person and the due date are optional)."
        )
    if len(content) > CONTENT_MAX:
        raise TodoTextError(f"A to-do can say at most {CONTENT_MAX} characters.")
    return TodoDraft(content=content, assignee_ids=assignees, due=due)


def _due(word: str, today: date) -> date | None:
    lowered = word.lower()
    if lowered in _DUE_WORDS:
        return today + timedelta(days=_DUE_WORDS[lowered])
    if _DATE.match(word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            raise TodoTextError(f"{word} is not a date (write it as YYYY-MM-DD).") from None
    return None


def due_on_the_wire(due: date) -> str:
    """Datadog's `due_date`: a timestamp, midnight UTC of that day."""
    return datetime(due.year, due.month, due.day).isoformat() + "+00:00"


def due_from_the_wire(value: str | None) -> date | None:
    """The day of Datadog's `due_date` timestamp (None when unset or unreadable)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def open_todos(todos: list[Todo]) -> list[Todo]:
    return [t for t in todos if not t.done]


def still_open_line(count: int) -> str:
    """What the resolve modal says: `3 to-dos still open` (empty when none are)."""
    if count <= 0:
        return ""
    return f"{count} to-do still open" if count == 1 else f"{count} to-dos still open"


def todo_entry(
    kind: EntryKind, incident_id: str, todo: Todo, actor_id: str | None, *, key: str, at: float
) -> JournalEntry:
    """A to-do added, completed or reopened (from Slack: `actor_id`; in Datadog: None)."""
    data = {"todo_id": todo.id}
    if todo.assignees:
        data["assignees"] = ", ".join(todo.assignees)
    if todo.due:
        data["due"] = todo.due.isoformat()
    return JournalEntry(
        key=key,
        incident_id=incident_id,
        at=at,
        kind=kind,
        actor_id=actor_id,
        text=todo.content,
        data=data,
    )
