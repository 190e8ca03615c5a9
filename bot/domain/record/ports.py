"""What the record needs of Datadog: link attachments and to-dos (bot/datadog/record_gateway.py).

Failures raise StepFailed (`reason` for people, Datadog's own words; `ambiguous` when a
create may have happened anyway: look before sending again).
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.domain.record.todos import Todo


class LinkAttachment(BaseModel):
    """A link attached to an incident in Datadog."""

    model_config = ConfigDict(frozen=True)

    id: str
    url: str
    title: str = ""


class NewTodo(BaseModel):
    """A to-do ready for Datadog: its assignees already Datadog handles."""

    model_config = ConfigDict(frozen=True)

    content: str
    assignees: tuple[str, ...] = ()
    due: str | None = None
    """An ISO date (`2026-12-24`), or None."""


class RecordGateway(Protocol):
    def links(self, incident_id: str) -> list[LinkAttachment]:
        """The incident's link attachments (not its postmortem)."""
        ...

    def add_link(self, incident_id: str, url: str, title: str) -> LinkAttachment: ...

    def todos(self, incident_id: str) -> list[Todo]: ...

    def add_todo(self, incident_id: str, todo: NewTodo) -> Todo: ...

    def set_done(self, incident_id: str, todo: Todo, done: bool, *, at: str) -> Todo:
        """Complete (at `at`, a timestamp) or reopen one to-do; Datadog wants it whole."""
        ...
