"""The body of an incident's postmortem (its answer is an attachment: record_models.py).

The request is strict (`extra="forbid"`, no `None`s on the wire); its oracle is
datadog-api-client's `PostmortemAttachmentRequest` (title and markdown cells, or a
template id).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

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
