"""The Datadog emulator's responders and roles: the org's user-defined roles, each
incident's responders (list, add, remove).

Request bodies are checked with the official client's `IncidentResponderRequest` (and the
role assignments with `IncidentResponderRoleAssignmentsRelationship`); every answer is
checked against the official response models before it is served, so the bot is tested
against what the client says Datadog returns. A mixin: the emulator provides `lock`.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from datadog_api_client.v2.model.incident_responder_request import IncidentResponderRequest
from datadog_api_client.v2.model.incident_responder_response import IncidentResponderResponse
from datadog_api_client.v2.model.incident_responder_role_assignments_relationship import (
    IncidentResponderRoleAssignmentsRelationship,
)
from datadog_api_client.v2.model.incident_responders_response import IncidentRespondersResponse
from datadog_api_client.v2.model.incident_user_defined_roles_response import (
    IncidentUserDefinedRolesResponse,
)

from bot.emulators.base import Request, Response
from bot.emulators.datadog.org_shapes import JSON, now_iso, user_ref
from bot.emulators.datadog.params import BadRequest, error_response, json_body
from bot.emulators.datadog.state import DatadogState
from bot.emulators.datadog.validate import model_error

ROLE_TYPE = "incident_user_defined_roles"


def checked(body: JSON, model: type[Any]) -> JSON:
    """An answer the official response model reads; the emulator never serves another."""
    problem = model_error(body, model)
    if problem:
        raise AssertionError(f"the emulator built an answer Datadog would not: {problem}")
    return body


class ResponderRoutes(DatadogState):
    """/api/v2/incidents/config/user-defined-roles and /api/v2/incidents/{id}/responders."""

    def _init_responders(self) -> None:
        self.roles: dict[str, JSON] = {}
        """Role id -> the user-defined role as served (configurable per org: `add_role`)."""
        self.responders: dict[str, list[JSON]] = {}
        """Incident id -> its responders as served, in the order they were added."""

    # --- seeding and acting in Datadog's UI ------------------------------------------------
    def add_role(self, name: str, *, description: str = "", is_single: bool = False) -> str:
        """An org role people can be given (Datadog's user-defined roles). Returns its id."""
        created = now_iso()
        role_id = str(uuid.uuid4())
        with self.lock:
            role: JSON = {
                "type": ROLE_TYPE,
                "id": role_id,
                "attributes": {
                    "created": created,
                    "modified": created,
                    "name": name,
                    "description": description or None,
                    "policy": {"is_single": is_single},
                },
                "relationships": {
                    "incident_type": {
                        "data": {"type": "incident_types", "id": self.default_type_id}
                    },
                    "created_by_user": user_ref(self.owner_id),
                    "last_modified_by_user": user_ref(self.owner_id),
                },
            }
            checked({"data": [role]}, IncidentUserDefinedRolesResponse)
            self.roles[role_id] = role
        return role_id

    def delete_role(self, role_id: str) -> None:
        """The role is gone from the org (someone deleted it in Datadog)."""
        with self.lock:
            self.roles.pop(role_id, None)

    def add_responder_as(
        self, incident_id: str, user_id: str, *, role_id: str | None = None, by: str | None = None
    ) -> str:
        """Someone (`by`, a user id; the app key's owner by default) adds a responder in
        Datadog's UI. Returns the responder id."""
        with self.lock:
            incident = self.find_incident(incident_id)
            if incident is None:
                raise KeyError(incident_id)
            return str(self._add(incident, user_id, role_id, by or self.owner_id)["id"])

    def remove_responder_as(
        self, incident_id: str, responder_id: str, by: str | None = None
    ) -> None:
        """Someone removes a responder in Datadog's UI."""
        with self.lock:
            incident = self.find_incident(incident_id)
            if incident is None or not self._remove(incident, responder_id, by or self.owner_id):
                raise KeyError(responder_id)

    def responders_of(self, incident_id: str) -> list[JSON]:
        """The incident's responders as Datadog lists them (for assertions)."""
        with self.lock:
            incident = self.find_incident(incident_id)
            if incident is None:
                raise KeyError(incident_id)
            return copy.deepcopy(self._responders(incident))

    # --- routes --------------------------------------------------------------------------
    def _list_roles(self, request: Request, params: dict[str, str]) -> Response:
        body = {"data": copy.deepcopy(list(self.roles.values()))}
        return Response(200, checked(body, IncidentUserDefinedRolesResponse))

    def _list_responders(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return error_response(404, "Incident not found")
        responders = copy.deepcopy(self._responders(incident))
        body = {"data": responders, "included": self._included(responders)}
        return Response(200, checked(body, IncidentRespondersResponse))

    def _add_responder(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return error_response(404, "Incident not found")
        body = json_body(request, IncidentResponderRequest)
        links = body["data"]["relationships"]
        assignments = links.get("role_assignments")
        role_ids: list[str] = []
        if assignments is not None:
            problem = model_error(assignments, IncidentResponderRoleAssignmentsRelationship)
            if problem:
                raise BadRequest(f"data.relationships.role_assignments: {problem}")
            role_ids = [ref["id"] for ref in assignments.get("data") or []]
        if len(role_ids) > 1:
            raise BadRequest("A responder is given one role at a time")
        user_id = links["user"]["data"]["id"]
        if user_id not in self.users:
            return error_response(404, "User not found")
        role_id = role_ids[0] if role_ids else None
        if role_id is not None and role_id not in self.roles:
            return error_response(404, "Role not found")
        responder = copy.deepcopy(self._add(incident, user_id, role_id, self.owner_id))
        answer = {"data": responder, "included": self._included([responder])}
        return Response(201, checked(answer, IncidentResponderResponse))

    def _remove_responder(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return error_response(404, "Incident not found")
        if not self._remove(incident, params["responder_id"], self.owner_id):
            return error_response(404, "Responder not found")
        return Response(204)

    # --- the rules -----------------------------------------------------------------------
    def _responders(self, incident: JSON) -> list[JSON]:
        """The incident's responders; the commander Datadog made a responder at the create
        (the incident's `responders` relationship) is the first."""
        found = self.responders.get(incident["id"])
        if found is None:
            found = []
            commander = (incident["relationships"].get("commander_user") or {}).get("data")
            refs = (incident["relationships"].get("responders") or {}).get("data") or []
            if commander and refs:
                created = incident["attributes"]["created"]
                found.append(
                    _responder(refs[0]["id"], commander["id"], None, self.owner_id, created)
                )
            self.responders[incident["id"]] = found
        return found

    def _add(self, incident: JSON, user_id: str, role_id: str | None, by: str) -> JSON:
        responder = _responder(str(uuid.uuid4()), user_id, role_id, by, now_iso())
        self._responders(incident).append(responder)
        self._touch(incident, by)
        return responder

    def _remove(self, incident: JSON, responder_id: str, by: str) -> bool:
        listed = self._responders(incident)
        kept = [r for r in listed if r["id"] != responder_id]
        if len(kept) == len(listed):
            return False
        self.responders[incident["id"]] = kept
        self._touch(incident, by)
        return True

    def _touch(self, incident: JSON, by: str) -> None:
        """The incident's `responders` relationship follows, and its `modified` moves."""
        refs = [{"type": "incident_responders", "id": r["id"]} for r in self._responders(incident)]
        incident["relationships"]["responders"] = {"data": refs}
        incident["attributes"]["modified"] = now_iso()

    def _included(self, responders: list[JSON]) -> list[JSON]:
        """Each user the responders name, once (`IncidentUserData`)."""
        seen: dict[str, JSON] = {}
        for responder in responders:
            for key in ("user", "created_by", "last_modified_by"):
                ref = (responder["relationships"].get(key) or {}).get("data")
                user = self.users.get(ref["id"]) if ref else None
                if user is not None and user.id not in seen:
                    seen[user.id] = user.embedded()["data"]
        return list(seen.values())


def _responder(responder_id: str, user_id: str, role_id: str | None, by: str, at: str) -> JSON:
    roles = [{"type": ROLE_TYPE, "id": role_id}] if role_id else []
    return {
        "type": "incident_responders",
        "id": responder_id,
        "attributes": {
            "created": at,
            "modified": at,
            "is_billable": True,
            "external_id": None,
            "external_source": None,
            "last_active": None,
            "meta": None,
        },
        "relationships": {
            "user": user_ref(user_id),
            "created_by": user_ref(by),
            "last_modified_by": user_ref(by),
            "role_assignments": {"data": roles},
        },
    }
