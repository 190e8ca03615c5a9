"""Bodies of an incident's attachments and to-dos (the record: captures, to-dos).

Requests are strict (`extra="forbid"`) and carry no `None`s, except a to-do's
`completed`, where null is what reopens it. Responses are lenient: recorded ones carry
`created_by` user objects, `included` users and pagination the bot does not read.
Oracles: datadog-api-client's `CreateAttachmentRequest`, `IncidentTodoCreateRequest`,
`IncidentTodoPatchRequest` (tests/datadog/test_record_client.py).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.datadog.models import Lenient
from bot.domain.record.todos import AnonymousAssignee, Todo, due_from_the_wire

# --- requests -------------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body as sent: no `None`s, Datadog's own key names (`documentUrl`)."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


class AttachmentLink(_Wire):
    document_url: str = Field(alias="documentUrl")
    title: str


class CreateAttachmentAttributes(_Wire):
    attachment: AttachmentLink
    attachment_type: Literal["link", "postmortem"] = "link"


class CreateAttachmentData(_Wire):
    type: Literal["incident_attachments"] = "incident_attachments"
    attributes: CreateAttachmentAttributes


class CreateAttachmentRequest(_Wire):
    """Body of POST /api/v2/incidents/{incident_id}/attachments."""

    data: CreateAttachmentData

    @classmethod
    def link(cls, url: str, title: str) -> CreateAttachmentRequest:
        link = AttachmentLink(document_url=url, title=title)
        return cls(
            data=CreateAttachmentData(attributes=CreateAttachmentAttributes(attachment=link))
        )


class AnonymousAssigneeWire(_Wire):
    icon: str
    id: str
    name: str
    source: Literal["slack", "microsoft_teams"]


class TodoAttributes(_Wire):
    content: str
    assignees: list[str | AnonymousAssigneeWire] = []
    due_date: str | None = None


class TodoCreateData(_Wire):
    type: Literal["incident_todos"] = "incident_todos"
    attributes: TodoAttributes


class IncidentTodoCreateRequest(_Wire):
    """Body of POST /api/v2/incidents/{incident_id}/relationships/todos."""

    data: TodoCreateData


class IncidentTodoPatchRequest(_Wire):
    """Body of PATCH …/relationships/todos/{todo_id}: the to-do whole (Datadog's model
    requires `content` and `assignees`), `completed` a timestamp or null (reopen)."""

    todo: TodoAttributes
    completed: str | None

    def to_wire(self) -> dict[str, Any]:
        attributes = self.todo.model_dump(mode="json", exclude_none=True)
        attributes["completed"] = self.completed  # null is meant: it reopens the to-do
        return {"data": {"type": "incident_todos", "attributes": attributes}}


# --- responses (lenient) ----------------------------------------------------------------


class _AttachmentLink(Lenient):
    title: str | None = None
    document_url: str | None = Field(default=None, alias="documentUrl")


class _AttachmentAttributes(Lenient):
    attachment: _AttachmentLink = _AttachmentLink()
    attachment_type: str | None = None
    modified: str | None = None


class AttachmentData(Lenient):
    id: str
    type: str | None = None
    attributes: _AttachmentAttributes = _AttachmentAttributes()


class AttachmentResponse(Lenient):
    data: AttachmentData


class AttachmentsResponse(Lenient):
    data: list[AttachmentData] = []


class _TodoAttributes(Lenient):
    content: str | None = None
    assignees: list[Any] | None = None
    """Handles (strings) or anonymous assignees (`{"id", "name", "source", ...}`)."""
    due_date: str | None = None
    completed: str | None = None
    modified: str | None = None


class TodoData(Lenient):
    id: str
    type: str | None = None
    attributes: _TodoAttributes = _TodoAttributes()


class TodoResponse(Lenient):
    data: TodoData


class TodosResponse(Lenient):
    data: list[TodoData] = []


# --- what the client returns ---------------------------------------------------------------


class Attachment(BaseModel):
    """An incident's attachment, reduced to what the bot reads."""

    model_config = ConfigDict(frozen=True)

    id: str
    attachment_type: str | None = None
    title: str | None = None
    url: str | None = None


def attachment_from(data: AttachmentData) -> Attachment:
    attrs = data.attributes
    return Attachment(
        id=data.id,
        attachment_type=attrs.attachment_type,
        title=attrs.attachment.title,
        url=attrs.attachment.document_url,
    )


def todo_from(data: TodoData) -> Todo:
    attrs = data.attributes
    raw = attrs.assignees or []
    return Todo(
        id=data.id,
        content=attrs.content or "",
        assignees=tuple(a for a in raw if isinstance(a, str) and a),
        anonymous=tuple(_anonymous(a) for a in raw if isinstance(a, dict) and a.get("id")),
        due=due_from_the_wire(attrs.due_date),
        completed=attrs.completed,
        modified=attrs.modified,
    )


def _anonymous(raw: dict[str, Any]) -> AnonymousAssignee:
    return AnonymousAssignee(
        id=str(raw.get("id")),
        name=str(raw.get("name") or raw.get("id")),
        icon=str(raw.get("icon") or ""),
        source=str(raw.get("source") or "slack"),
    )


def anonymous_wire(todo: Todo) -> list[AnonymousAssigneeWire]:
    """The to-do's anonymous assignees as Datadog wants them back (unknown sources dropped)."""
    return [
        AnonymousAssigneeWire(icon=a.icon, id=a.id, name=a.name, source=a.source)
        for a in todo.anonymous
        if a.source in ("slack", "microsoft_teams")
    ]
