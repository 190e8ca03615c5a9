"""The Datadog emulator's paging: the org's teams and On-Call pages sent from an incident.

`GET /api/v2/team` answers `TeamsResponse` (`filter[keyword]` over name and handle,
`page[size]`/`page[number]`); `POST /api/v2/incidents/{incident_id}/page` checks its body
with datadog-api-client's `IncidentCreateOnCallPageRequest` and answers
`IncidentPageUUIDResponse` with a new page id. Refusals use Datadog's error shape: 403 when
the org has no On-Call (`on_call = False`; the wording is ours, Datadog's is not recorded)
or the key lacks `incident_write` besides the row's `oncall_page`, 404 for an unknown
incident, team or user. Every page sent is kept in `pages` for tests.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from datadog_api_client.v2.model.incident_create_on_call_page_request import (
    IncidentCreateOnCallPageRequest,
)

from bot.emulators.base import Request, Response
from bot.emulators.datadog.org_shapes import JSON, now_iso
from bot.emulators.datadog.params import error_response, int_param, json_body, param
from bot.emulators.datadog.state import DatadogState

NO_ON_CALL = "On-Call is not enabled for this organization"


@dataclass
class Team:
    id: str
    handle: str
    name: str
    created_at: str = field(default_factory=now_iso)

    def resource(self) -> JSON:
        """A `Team` of `GET /api/v2/team`."""
        return {
            "type": "team",
            "id": self.id,
            "attributes": {
                "handle": self.handle,
                "name": self.name,
                "summary": None,
                "description": None,
                "avatar": None,
                "banner": 0,
                "link_count": 0,
                "user_count": 1,
                "is_managed": False,
                "hidden_modules": [],
                "visible_modules": [],
                "created_at": self.created_at,
                "modified_at": self.created_at,
            },
            "relationships": {
                "team_links": {"links": {"related": f"/api/v2/team/{self.id}/links"}},
                "user_team_permissions": {
                    "links": {"related": f"/api/v2/team/{self.id}/permission-settings"}
                },
            },
        }


class PagingRoutes(DatadogState):
    """Teams and pages, beside the org's users and incidents (`DatadogState`)."""

    permissions: set[str]

    def _init_paging(self) -> None:
        self.teams: dict[str, Team] = {}
        self.on_call = True
        """False: the org has no Datadog On-Call, every page is refused with a 403."""
        self.pages: list[dict[str, Any]] = []
        """Every page sent: `page_id`, `incident_id`, the body's `attributes`."""

    def add_team(self, handle: str, name: str | None = None) -> str:
        """Seed a team; returns its id (a UUID, as Datadog's)."""
        team = Team(str(uuid.uuid4()), handle, name or handle.replace("-", " ").title())
        with self.lock:
            self.teams[team.id] = team
        return team.id

    def sent_pages(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.pages)

    def _list_teams(self, request: Request, params: dict[str, str]) -> Response:
        keyword = (param(request, "filter[keyword]") or "").lower()
        size = int_param(request, "page[size]", 10)
        number = int_param(request, "page[number]", 0)
        teams = sorted(self.teams.values(), key=lambda t: t.name.lower())
        hits = [t for t in teams if keyword in t.name.lower() or keyword in t.handle.lower()]
        page = hits[number * size : (number + 1) * size]
        meta = {"pagination": {"number": number, "size": size, "total": len(hits)}}
        return Response(200, {"data": [t.resource() for t in page], "meta": meta})

    def _page_incident(self, request: Request, params: dict[str, str]) -> Response:
        if "incident_write" not in self.permissions:
            error = {
                "status": "403",
                "title": "Forbidden",
                "detail": "Failed permission authorization checks",
            }
            return Response(403, {"errors": [error]})
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return error_response(404, "Incident not found")
        body = json_body(request, IncidentCreateOnCallPageRequest)
        if not self.on_call:
            return Response(
                403, {"errors": [{"status": "403", "title": "Forbidden", "detail": NO_ON_CALL}]}
            )
        attributes = body["data"]["attributes"]
        target = attributes.get("target")
        if not target:
            return error_response(400, "A page needs a target")
        missing = self._target_problem(target)
        if missing:
            return error_response(404, missing)
        page_id = str(uuid.uuid4())
        self.pages.append(
            {
                "page_id": page_id,
                "incident_id": incident["id"],
                "attributes": copy.deepcopy(attributes),
            }
        )
        return Response(201, {"data": {"id": page_id, "type": "page_uuid"}})

    def _target_problem(self, target: JSON) -> str | None:
        kind, identifier = target["type"], target["identifier"]
        if kind == "team_handle" and all(t.handle != identifier for t in self.teams.values()):
            return f"Team {identifier} not found"
        if kind == "team_uuid" and identifier not in self.teams:
            return f"Team {identifier} not found"
        if kind == "user_uuid" and identifier not in self.users:
            return f"User {identifier} not found"
        return None
