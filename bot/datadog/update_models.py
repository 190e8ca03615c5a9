"""The PATCH /api/v2/incidents/{incident_id} body, and incidents read back as `IncidentView`.

Requests are strict and carry only what changes (Datadog merges: unsent fields stay), with
no `None` on the wire. Responses are lenient: real ones carry undocumented keys, nulls,
and the commander in `attributes.commander` while `relationships.commander_user` says null
(see the recorded "add commander" PATCH).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.datadog.models import (
    FieldValue,
    IncidentData,
    MultipleValueField,
    RelationshipToUser,
    SingleValueField,
    UserRef,
)
from bot.datadog.requests import WIRE_TYPE
from bot.domain.incident.declaration import CustomField
from bot.domain.incident.org import MULTI_VALUE_KINDS, FieldKind
from bot.domain.incident.state import ACTIVE, IncidentChanges, IncidentUser, IncidentView

BUILT_IN_FIELDS = frozenset({"severity", "state"})
"""Sent and read as `fields.<name>` like the others, but shown as the incident's own."""

# --- request ----------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_wire(self) -> dict[str, Any]:
        """The JSON body as sent: only the set fields, no `None`s."""
        return self.model_dump(mode="json", exclude_none=True)


class IncidentUpdateAttributes(_Wire):
    title: str | None = None
    customer_impacted: bool | None = None
    customer_impact_scope: str | None = None
    customer_impact_end: datetime | None = None
    fields: dict[str, FieldValue] | None = None


class IncidentUpdateRelationships(_Wire):
    commander_user: RelationshipToUser | None = None


class IncidentUpdateData(_Wire):
    type: Literal["incidents"] = "incidents"
    id: str
    attributes: IncidentUpdateAttributes | None = None
    relationships: IncidentUpdateRelationships | None = None


class IncidentUpdateRequest(_Wire):
    """Body of PATCH /api/v2/incidents/{incident_id}."""

    data: IncidentUpdateData


def _field(kind: FieldKind, values: tuple[str, ...]) -> FieldValue:
    """Datadog's field shape (as create writes it); clearing is "" for one value, [] for several."""
    if kind in MULTI_VALUE_KINDS:
        return MultipleValueField(type=WIRE_TYPE[kind], value=list(values))
    return SingleValueField(type=WIRE_TYPE[kind], value=values[0] if values else "")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def update_request(incident_id: str, changes: IncidentChanges) -> IncidentUpdateRequest:
    """The PATCH body for `changes`: only what is set, the commander as a relationship."""
    fields: dict[str, FieldValue] = {}
    if changes.severity is not None:
        fields["severity"] = SingleValueField(type="dropdown", value=changes.severity)
    if changes.state is not None:
        fields["state"] = SingleValueField(type="dropdown", value=changes.state)
    for custom in changes.fields:
        fields[custom.name] = _field(custom.kind, custom.values)
    end = changes.customer_impact_end
    attributes = IncidentUpdateAttributes(
        title=changes.title,
        customer_impacted=changes.customer_impacted,
        customer_impact_scope=changes.customer_impact_scope,
        customer_impact_end=_utc(end) if end is not None else None,
        fields=fields or None,
    )
    relationships = None
    if changes.commander is not None:
        relationships = IncidentUpdateRelationships(
            commander_user=RelationshipToUser(data=UserRef(id=changes.commander.datadog_id))
        )
    return IncidentUpdateRequest(
        data=IncidentUpdateData(
            id=incident_id,
            attributes=attributes if attributes != IncidentUpdateAttributes() else None,
            relationships=relationships,
        )
    )


# --- response (lenient) -------------------------------------------------------------


class IncidentParseError(ValueError):
    """The body is not an incident (no `data.id` or no `public_id`)."""


def _when(value: object) -> datetime | None:
    """Datadog's timestamps; anything unparseable is treated as unknown."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _dig(node: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _user(ref: object, users: Mapping[str, Mapping[str, Any]]) -> IncidentUser | None:
    """A `{"data": {"type": "users", "id", "attributes"?}}` reference, or None."""
    user_id = _dig(ref, "data", "id")
    if not isinstance(user_id, str) or not user_id:
        return None
    attributes = _dig(ref, "data", "attributes")
    known = attributes if isinstance(attributes, Mapping) else users.get(user_id, {})
    name = next(
        (str(known[k]) for k in ("name", "handle", "email") if isinstance(known.get(k), str)), ""
    )
    email = known.get("email")
    return IncidentUser(
        datadog_id=user_id, display=name, email=email if isinstance(email, str) else None
    )


def _values(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None)
    return () if value is None or value == "" else (str(value),)


def _custom_fields(raw: Mapping[str, Any]) -> tuple[CustomField, ...]:
    out: list[CustomField] = []
    for name, node in raw.items():
        if name in BUILT_IN_FIELDS or not isinstance(node, Mapping):
            continue
        value = node.get("value")
        try:
            kind = FieldKind(str(node.get("type")))
        except ValueError:  # a type Datadog added since: judge by the value's shape
            kind = FieldKind.MULTISELECT if isinstance(value, list) else FieldKind.TEXTBOX
        out.append(CustomField(name=name, kind=kind, values=_values(value)))
    return tuple(out)


def _single(raw: Mapping[str, Any], name: str) -> str | None:
    value = _dig(raw, name, "value")
    return value if isinstance(value, str) and value else None


def incident_view(
    body: Mapping[str, Any], incident_url: Callable[[int], str] | None = None
) -> IncidentView:
    """The incident in a GET/PATCH response (or one search hit's `{"data": …}`)."""
    try:
        data = IncidentData.model_validate(body.get("data"))
    except ValidationError as exc:
        raise IncidentParseError(f"not an incident: {exc.errors()[0]['msg']}") from exc
    attrs = data.attributes
    if attrs.public_id is None:
        raise IncidentParseError(f"incident {data.id} has no public_id")
    users: dict[str, Mapping[str, Any]] = {}
    for item in body.get("included") or ():
        if isinstance(item, Mapping) and item.get("type") == "users" and item.get("id"):
            users[str(item["id"])] = item.get("attributes") or {}
    rel = data.relationships or {}
    fields = attrs.fields or {}
    commander = _user(attrs.commander, users) or _user(rel.get("commander_user"), users)
    modifier = _user(attrs.last_modified_by, users) or _user(
        rel.get("last_modified_by_user"), users
    )
    if modifier is None and attrs.last_modified_by_uuid:
        modifier = _user({"data": {"id": attrs.last_modified_by_uuid}}, users)
    return IncidentView(
        incident_id=data.id,
        public_id=attrs.public_id,
        title=attrs.title or "",
        severity=attrs.severity or _single(fields, "severity") or "UNKNOWN",
        state=attrs.state or _single(fields, "state") or ACTIVE,
        commander=commander,
        customer_impacted=bool(attrs.customer_impacted),
        customer_impact_scope=attrs.customer_impact_scope or None,
        customer_impact_end=_when(attrs.customer_impact_end),
        customer_impact_start=_when(attrs.customer_impact_start),
        fields=_custom_fields(fields),
        incident_type_id=attrs.incident_type_uuid,
        is_test=bool(attrs.is_test),
        url=incident_url(attrs.public_id) if incident_url else None,
        created=_when(attrs.created),
        modified=_when(attrs.modified),
        last_modified_by=modifier,
        responder_ids=_ids(rel.get("responders")),
        resolved_at=_when(attrs.resolved),
    )


def _ids(relationship: object) -> tuple[str, ...]:
    """The ids of a to-many relationship (`{"data": [{"id": …}, …]}`), in Datadog's order."""
    data = relationship.get("data") if isinstance(relationship, Mapping) else None
    if not isinstance(data, list):
        return ()
    return tuple(str(ref["id"]) for ref in data if isinstance(ref, Mapping) and ref.get("id"))


def search_views(
    body: Mapping[str, Any], incident_url: Callable[[int], str] | None = None
) -> list[IncidentView]:
    """Incidents in a /api/v2/incidents/search response; hits that aren't incidents are skipped."""
    hits = _dig(body, "data", "attributes", "incidents")
    out: list[IncidentView] = []
    for hit in hits if isinstance(hits, list) else ():
        if not isinstance(hit, Mapping):
            continue
        try:
            out.append(incident_view(hit, incident_url))
        except IncidentParseError:
            continue
    return out
