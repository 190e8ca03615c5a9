"""The record's port (bot/domain/record/ports.py) over the Datadog client: link
attachments for captured messages, and to-dos."""

from __future__ import annotations

from datetime import date

from bot.datadog.client import DatadogClient
from bot.datadog.errors import DatadogError
from bot.datadog.gateway import step_failed
from bot.datadog.record_models import (
    CreateAttachmentRequest,
    IncidentTodoCreateRequest,
    IncidentTodoPatchRequest,
    TodoAttributes,
    TodoCreateData,
    anonymous_wire,
)
from bot.domain.record.ports import LinkAttachment, NewTodo
from bot.domain.record.todos import Todo, due_on_the_wire
from bot.domain.reliability.outcomes import StepFailed

LINK = "link"


class DatadogRecord:
    """Implements `RecordGateway`; every Datadog failure becomes a StepFailed."""

    def __init__(self, client: DatadogClient) -> None:
        self.client = client

    def links(self, incident_id: str) -> list[LinkAttachment]:
        try:
            found = self.client.list_attachments(incident_id, kinds=(LINK,))
        except DatadogError as exc:
            raise step_failed(exc) from exc
        return [
            LinkAttachment(id=a.id, url=a.url or "", title=a.title or "")
            for a in found
            if a.attachment_type in (None, LINK)
        ]

    def add_link(self, incident_id: str, url: str, title: str) -> LinkAttachment:
        try:
            made = self.client.create_attachment(
                incident_id, CreateAttachmentRequest.link(url, title)
            )
        except DatadogError as exc:
            raise step_failed(exc) from exc
        return LinkAttachment(id=made.id, url=made.url or url, title=made.title or title)

    def todos(self, incident_id: str) -> list[Todo]:
        try:
            return self.client.list_todos(incident_id)
        except DatadogError as exc:
            raise step_failed(exc) from exc

    def add_todo(self, incident_id: str, todo: NewTodo) -> Todo:
        attributes = TodoAttributes(
            content=todo.content,
            assignees=list(todo.assignees),
            due_date=due_on_the_wire(date.fromisoformat(todo.due)) if todo.due else None,
        )
        request = IncidentTodoCreateRequest(data=TodoCreateData(attributes=attributes))
        try:
            return self.client.create_todo(incident_id, request)
        except DatadogError as exc:
            raise step_failed(exc) from exc

    def set_done(self, incident_id: str, todo: Todo, done: bool, *, at: str) -> Todo:
        attributes = TodoAttributes(
            content=todo.content,
            assignees=[*todo.assignees, *anonymous_wire(todo)],
            due_date=due_on_the_wire(todo.due) if todo.due else None,
        )
        request = IncidentTodoPatchRequest(todo=attributes, completed=at if done else None)
        try:
            return self.client.update_todo(incident_id, todo.id, request)
        except DatadogError as exc:
            raise step_failed(exc) from exc


__all__ = ["DatadogRecord", "StepFailed"]
