"""Bodies of an incident's postmortem and of its attachments list.

The request is strict (`extra="forbid"`, no `None`s on the wire); its oracle is
datadog-api-client's `PostmortemAttachmentRequest` (title and markdown cells, or a
template id). Responses are lenient: the recorded list of attachments carries `included`
users, `relationships` and `documentUrl` in camelCase (cassettes
`test_list_incident_attachments_returns_ok_response.yaml`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.datadog.models import Lenient

POSTMORTEM = "postmortem"
"""`attachment_type` of an incident's postmortem (the other kind is `link`)."""

# --- request ------------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_wire(self) -> dict[str, Any]:
        """The JSON body as sent: only the set fields, no `None`s."""
        return self.model_dump(mode="json", exclude_none=True)


class CellDefinition(_Wire):
    content: str
    """Markdown (Datadog renders it as a notebook's markdown cell)."""


class CellAttributes(_Wire):
    definition: CellDefinition


class PostmortemCell(_Wire):
    type: Literal["markdown"] = "markdown"
    attributes: CellAttributes

    @classmethod
    def markdown(cls, content: str) -> PostmortemCell:
        return cls(attributes=CellAttributes(definition=CellDefinition(content=content)))


class PostmortemAttributes(_Wire):
    title: str
    cells: list[PostmortemCell] | None = None
    postmortem_template_id: str | None = None


class PostmortemData(_Wire):
    type: Literal["incident_attachments"] = "incident_attachments"
    attributes: PostmortemAttributes


class PostmortemAttachmentRequest(_Wire):
    """Body of POST /api/v2/incidents/{incident_id}/attachments/postmortems."""

    data: PostmortemData

    @classmethod
    def of(
        cls, title: str, cells: tuple[str, ...] = (), template_id: str | None = None
    ) -> PostmortemAttachmentRequest:
        """Title and markdown cells, or a Datadog postmortem template (and the cells, if any)."""
        attributes = PostmortemAttributes(
            title=title,
            cells=[PostmortemCell.markdown(c) for c in cells] or None,
            postmortem_template_id=template_id,
        )
        return cls(data=PostmortemData(attributes=attributes))


# --- responses (lenient) --------------------------------------------------------------


class _AttachmentBody(Lenient):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    title: str | None = None
    document_url: str | None = Field(default=None, alias="documentUrl")


class _AttachmentAttributes(Lenient):
    attachment: _AttachmentBody = _AttachmentBody()
    attachment_type: str | None = None
    modified: str | None = None


class AttachmentData(Lenient):
    id: str
    type: str | None = None
    attributes: _AttachmentAttributes = _AttachmentAttributes()


class AttachmentResponse(Lenient):
    data: AttachmentData


class AttachmentListResponse(Lenient):
    data: list[AttachmentData] = []


class IncidentAttachment(BaseModel):
    """One attachment of an incident, reduced to what the bot reads."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    """`postmortem` or `link` (as Datadog names `attachment_type`)."""
    title: str = ""
    url: str = ""


def attachment_from(data: AttachmentData) -> IncidentAttachment:
    attributes = data.attributes
    return IncidentAttachment(
        id=data.id,
        kind=attributes.attachment_type or "",
        title=attributes.attachment.title or "",
        url=attributes.attachment.document_url or "",
    )
