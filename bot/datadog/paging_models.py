"""Datadog's paging bodies: an On-Call page from an incident, and the org's teams.

`POST /api/v2/incidents/{incident_id}/page` is absent from the April OpenAPI spec; its shape
is datadog-api-client 2.62's `create_on_call_page_from_incident`: the request
`IncidentCreateOnCallPageRequest` (the same attributes as the deprecated `/cases/page`
operation's `IncidentCreatePageFromIncidentRequest`, both checked in tests), the answer
`IncidentPageUUIDResponse`. Teams are `GET /api/v2/team` (`TeamsResponse`). Requests are
strict (`_Wire`), answers lenient (`Lenient`), as in models.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.datadog.models import Lenient, _Wire

PageTargetType = Literal["team_handle", "team_uuid", "user_uuid"]


class PageTarget(_Wire):
    """`IncidentPageTarget`: who is paged."""

    type: PageTargetType
    identifier: str


class PageAttributes(_Wire):
    target: PageTarget
    title: str
    description: str | None = None
    tags: list[str] | None = None


class PageData(_Wire):
    type: Literal["page"] = "page"
    attributes: PageAttributes


class IncidentPageRequest(_Wire):
    """Body of POST /api/v2/incidents/{incident_id}/page."""

    data: PageData


class _PageIdData(Lenient):
    id: str | None = None
    type: str | None = None


class PageIdResponse(Lenient):
    """`IncidentPageUUIDResponse`: `{"data": {"id": <page uuid>, "type": "page_uuid"}}`."""

    data: _PageIdData = _PageIdData()


class _TeamAttributes(Lenient):
    handle: str | None = None
    name: str | None = None
    summary: str | None = None


class _TeamData(Lenient):
    id: str
    type: str | None = None
    attributes: _TeamAttributes = _TeamAttributes()


class TeamsResponse(Lenient):
    data: list[_TeamData] = []


class DatadogTeam(BaseModel):
    """A team the client returns: what the Page modal lists and pages by handle."""

    model_config = ConfigDict(frozen=True)

    id: str
    handle: str
    name: str


def teams_from(response: TeamsResponse) -> list[DatadogTeam]:
    """Teams with a handle (a page names one); the name falls back to the handle."""
    return [
        DatadogTeam(
            id=t.id, handle=t.attributes.handle, name=t.attributes.name or t.attributes.handle
        )
        for t in response.data
        if t.attributes.handle
    ]
