"""Pydantic models of Datadog's JSON:API bodies.

Request models are strict and serialise without `None`s (`to_wire`); response
models are lenient, because real responses carry undocumented keys and nulls.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# --- requests -------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_wire(self) -> dict[str, Any]:
        """The JSON body as sent: no `None`s, enums as strings."""
        return self.model_dump(mode="json", exclude_none=True)


class SingleValueField(_Wire):
    type: Literal["dropdown", "textbox"]
    value: str


class MultipleValueField(_Wire):
    type: Literal["multiselect", "textarray", "metrictag", "autocomplete"]
    value: list[str]


FieldValue = Annotated[SingleValueField | MultipleValueField, Field(discriminator="type")]


class MarkdownContent(_Wire):
    content: str


class MarkdownCell(_Wire):
    cell_type: Literal["markdown"] = "markdown"
    content: MarkdownContent
    important: bool | None = None


class NotificationHandle(_Wire):
    handle: str
    display_name: str | None = None


class IncidentCreateAttributes(_Wire):
    title: str
    customer_impacted: bool
    customer_impact_scope: str | None = None
    fields: dict[str, FieldValue] | None = None
    incident_type_uuid: str | None = None
    initial_cells: list[MarkdownCell] | None = None
    is_test: bool | None = None
    notification_handles: list[NotificationHandle] | None = None


class UserRef(_Wire):
    type: Literal["users"] = "users"
    id: str


class RelationshipToUser(_Wire):
    data: UserRef


class IncidentCreateRelationships(_Wire):
    commander_user: RelationshipToUser


class IncidentCreateData(_Wire):
    type: Literal["incidents"] = "incidents"
    attributes: IncidentCreateAttributes
    relationships: IncidentCreateRelationships | None = None


class IncidentCreateRequest(_Wire):
    """Body of POST /api/v2/incidents, as create-incident.md defines it."""

    data: IncidentCreateData


class SlackChannelLink(_Wire):
    channel_id: str
    channel_name: str
    redirect_url: str
    team_id: str | None = None


class SlackIntegrationMetadata(_Wire):
    channels: list[SlackChannelLink]


class IntegrationAttributes(_Wire):
    integration_type: int = 1
    metadata: SlackIntegrationMetadata


class IntegrationData(_Wire):
    type: Literal["incident_integrations"] = "incident_integrations"
    attributes: IntegrationAttributes


class IntegrationCreateRequest(_Wire):
    """Body of POST /api/v2/incidents/{id}/relationships/integrations (Slack = type 1)."""

    data: IntegrationData


# --- responses (lenient) -----------------------------------------------------------


class Lenient(BaseModel):
    """Base of every model read from Datadog: unknown keys are ignored, values frozen."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class IncidentAttributes(Lenient):
    public_id: int | None = None
    title: str | None = None
    severity: str | None = None
    state: str | None = None
    is_test: bool | None = None
    customer_impacted: bool | None = None
    customer_impact_scope: str | None = None
    created: str | None = None
    modified: str | None = None
    resolved: str | None = None
    customer_impact_end: str | None = None
    customer_impact_start: str | None = None
    incident_type_uuid: str | None = None
    fields: dict[str, Any] | None = None
    commander: Any = None
    """Embedded `{"data": {"id", ...}}`: in POST/PATCH/search answers, not in GET's."""
    last_modified_by: Any = None
    last_modified_by_uuid: str | None = None


class IncidentData(Lenient):
    id: str
    type: str | None = None
    attributes: IncidentAttributes = IncidentAttributes()
    relationships: dict[str, Any] | None = None


class IncidentResponse(Lenient):
    data: IncidentData
    included: list[dict[str, Any]] | None = None


class IncidentListResponse(Lenient):
    data: list[IncidentData] = []


class _SearchHit(Lenient):
    data: IncidentData


class _SearchAttributes(Lenient):
    incidents: list[_SearchHit] | None = None
    total: int | None = None


class _SearchData(Lenient):
    attributes: _SearchAttributes = _SearchAttributes()


class IncidentSearchResponse(Lenient):
    data: _SearchData = _SearchData()


class UserAttributes(Lenient):
    email: str | None = None
    handle: str | None = None
    name: str | None = None
    disabled: bool | None = None
    status: str | None = None
    service_account: bool | None = None


class UserData(Lenient):
    id: str
    type: str | None = None
    attributes: UserAttributes = UserAttributes()


class UserResponse(Lenient):
    data: UserData


class UsersResponse(Lenient):
    data: list[UserData] = []
    meta: dict[str, Any] | None = None


# --- what the client returns ---------------------------------------------------------


class Incident(BaseModel):
    """A created or fetched incident, reduced to what the bot uses."""

    model_config = ConfigDict(frozen=True)

    id: str
    public_id: int
    title: str
    url: str
    severity: str | None = None
    state: str | None = None
    is_test: bool = False
    created: str | None = None
    commander_id: str | None = None
    modified: str | None = None
    """Moves on every change (in Datadog's UI, its API, or ours): what the sync watches."""
    last_modified_by_id: str | None = None
    resolved: str | None = None
    customer_impacted: bool = False
    customer_impact_scope: str | None = None
    customer_impact_end: str | None = None
    fields: dict[str, Any] = {}
    """Datadog's `fields` as sent: name -> {"type", "value"} (values may be null)."""
    document: dict[str, Any] = Field(default_factory=dict, repr=False)
    """The JSON:API `{"data": ...}` this was read from, for richer readers of the incident."""


class DatadogUser(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    email: str
    name: str | None = None
