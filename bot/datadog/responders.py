"""Responders and roles on the wire: the create body (strict) and the answers (lenient).

The official client's `IncidentResponderRequest` (2.62) documents the user relationship
only; the role travels as a `role_assignments` relationship naming the user-defined role,
the same relationship Datadog's answers carry (`IncidentResponderRelationships`). The
answers name users by id and give them in `included`; roles are named by id, their names
come from the org's roles list.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.datadog.models import Lenient, RelationshipToUser, UserRef, _Wire
from bot.domain.incident.responders import Responder, ResponderRole

ROLE_TYPE = "incident_user_defined_roles"

# --- request (strict) -------------------------------------------------------------------


class RoleRef(_Wire):
    type: Literal["incident_user_defined_roles"] = "incident_user_defined_roles"
    id: str


class RoleAssignments(_Wire):
    data: list[RoleRef]


class ResponderCreateRelationships(_Wire):
    user: RelationshipToUser
    role_assignments: RoleAssignments | None = None


class ResponderCreateData(_Wire):
    type: Literal["incident_responders"] = "incident_responders"
    relationships: ResponderCreateRelationships


class ResponderCreateRequest(_Wire):
    """Body of POST /api/v2/incidents/{incident_id}/responders."""

    data: ResponderCreateData


def responder_request(user_id: str, role_id: str | None = None) -> ResponderCreateRequest:
    roles = RoleAssignments(data=[RoleRef(id=role_id)]) if role_id else None
    relationships = ResponderCreateRelationships(
        user=RelationshipToUser(data=UserRef(id=user_id)), role_assignments=roles
    )
    return ResponderCreateRequest(data=ResponderCreateData(relationships=relationships))


# --- answers (lenient) ------------------------------------------------------------------


class _Ref(Lenient):
    id: str | None = None
    type: str | None = None


class _One(Lenient):
    data: _Ref | None = None


class _Many(Lenient):
    data: list[_Ref] | None = None


class _ResponderRelationships(Lenient):
    user: _One | None = None
    created_by: _One | None = None
    last_modified_by: _One | None = None
    role_assignments: _Many | None = None


class _ResponderAttributes(Lenient):
    created: str | None = None
    modified: str | None = None


class ResponderData(Lenient):
    id: str
    attributes: _ResponderAttributes = _ResponderAttributes()
    relationships: _ResponderRelationships = _ResponderRelationships()


class _IncludedAttributes(Lenient):
    name: str | None = None
    handle: str | None = None
    email: str | None = None


class _Included(Lenient):
    id: str | None = None
    type: str | None = None
    attributes: _IncludedAttributes = _IncludedAttributes()


class ResponderResponse(Lenient):
    data: ResponderData
    included: list[_Included] | None = None


class RespondersResponse(Lenient):
    data: list[ResponderData] = []
    included: list[_Included] | None = None


class _RoleAttributes(Lenient):
    name: str | None = None
    description: str | None = None
    policy: dict[str, Any] | None = None


class _RoleData(Lenient):
    id: str
    attributes: _RoleAttributes = _RoleAttributes()


class RolesResponse(Lenient):
    data: list[_RoleData] = []


def roles_from(response: RolesResponse) -> list[ResponderRole]:
    return [
        ResponderRole(
            id=role.id,
            name=role.attributes.name or role.id,
            description=role.attributes.description or "",
            is_single=bool((role.attributes.policy or {}).get("is_single")),
        )
        for role in response.data
    ]


def responder_from(data: ResponderData, included: list[_Included] | None) -> Responder:
    users = {u.id: u.attributes for u in included or [] if u.id and u.type in (None, "users")}
    links = data.relationships
    user_id = _id(links.user)
    person = users.get(user_id or "") or _IncludedAttributes()
    roles = (links.role_assignments.data if links.role_assignments else None) or []
    return Responder(
        responder_id=data.id,
        datadog_user_id=user_id,
        name=person.name or "",
        handle=person.handle or "",
        email=(person.email or "").lower() or None,
        role_id=roles[0].id if roles else None,
        created_by_id=_id(links.created_by),
        created_by_name=_name(users.get(_id(links.created_by) or "")),
        last_modified_by_id=_id(links.last_modified_by),
        created=data.attributes.created,
    )


def responders_from(response: RespondersResponse) -> list[Responder]:
    return [responder_from(item, response.included) for item in response.data]


def _id(ref: _One | None) -> str | None:
    return ref.data.id if ref is not None and ref.data is not None else None


def _name(person: _IncludedAttributes | None) -> str:
    return (person.name or person.handle or person.email or "") if person else ""
