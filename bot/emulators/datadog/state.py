"""The Datadog emulator's org: users, incident types, fields, incidents, integrations.

Kept apart from the HTTP layer (`server.py` and its routes) so the rules Datadog applies
when an incident is declared read in one place. A mixin: the emulator provides `lock`.
"""

from __future__ import annotations

import copy
import math
import threading
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from bot.emulators.datadog.incident_shapes import (
    default_fields,
    incident_resource,
    integration_resource,
)
from bot.emulators.datadog.org_shapes import (
    FIELD_TYPES,
    JSON,
    MULTI_VALUE_TYPES,
    SEVERITY_VALUES,
    STATE_VALUES,
    FieldDef,
    IncidentTypeDef,
    User,
    normalise_valid_values,
)

OWNER_EMAIL = "app-key-owner@example.com"


class DeclareError(Exception):
    """A create Datadog would refuse: `status` and the message for `{"errors": [...]}`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class DatadogState:
    """Seeding API and declare rules; every method takes `self.lock` (an RLock)."""

    lock: threading.RLock

    def _init_state(self) -> None:
        self.org_id = str(uuid.uuid4())
        self.users: dict[str, User] = {}
        self.incident_types: dict[str, IncidentTypeDef] = {}
        self.fields: dict[str, FieldDef] = {}
        self.incidents: dict[str, dict[str, Any]] = {}
        """Incident id -> the JSON:API `data` object (plus private `_` keys, never served)."""
        self.integrations: dict[str, list[dict[str, Any]]] = {}
        self._bodies: list[dict[str, Any]] = []
        self._next_public_id = 1
        self.owner_id = self.add_user(OWNER_EMAIL, "App Key Owner")
        """The app key's owner: `created_by`/`declared_by` of every incident."""
        self.add_incident_type("Default incident type", is_default=True)

    # --- seeding -----------------------------------------------------------------------
    def add_user(
        self, email: str, name: str | None = None, *, disabled: bool = False, status: str = "Active"
    ) -> str:
        """Add an org user; emails are stored lowercased, like Datadog. Returns the id."""
        if disabled and status == "Active":
            status = "Disabled"
        user = User(str(uuid.uuid4()), email.strip().lower(), name, disabled, status)
        with self.lock:
            self.users[user.id] = user
        return user.id

    def add_incident_type(
        self, name: str, *, is_default: bool = False, description: str = ""
    ) -> str:
        """Add an incident type with its own built-in `severity` and `state` fields."""
        type_id = str(uuid.uuid4())
        with self.lock:
            if is_default:
                for other in self.incident_types.values():
                    other.is_default = False
            self.incident_types[type_id] = IncidentTypeDef(
                type_id, name, description, is_default, self.owner_id
            )
            for field_name, values in (("severity", SEVERITY_VALUES), ("state", STATE_VALUES)):
                field_id = self.add_field(
                    field_name,
                    "dropdown",
                    incident_type_id=type_id,
                    valid_values=[{"value": v, "display_name": d} for v, d in values],
                )
                self.fields[field_id].reserved = True
        return type_id

    def add_field(
        self,
        name: str,
        field_type: str,
        *,
        display_name: str | None = None,
        incident_type_id: str | None = None,
        required: bool = False,
        ordinal: str | None = None,
        valid_values: list[dict[str, str]] | None = None,
        default_value: str | None = None,
    ) -> str:
        """Add (or replace, by name within its type) a user-defined field. Returns its id."""
        if field_type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {field_type!r}; one of {sorted(FIELD_TYPES)}")
        with self.lock:
            type_id = incident_type_id or self.default_type_id
            if type_id not in self.incident_types:
                raise ValueError(f"unknown incident type {type_id!r}")
            values = normalise_valid_values(valid_values) if valid_values is not None else None
            if default_value is not None and values and default_value not in _values_of(values):
                raise ValueError(f"default_value {default_value!r} is not a valid value")
            for old in [f.id for f in self.type_fields(type_id) if f.name == name]:
                del self.fields[old]
            field_id = str(uuid.uuid4())
            self.fields[field_id] = FieldDef(
                id=field_id,
                name=name,
                field_type=field_type,
                display_name=display_name or name.replace("_", " ").title(),
                incident_type_id=type_id,
                required=required,
                ordinal=ordinal or str(len(self.type_fields(type_id)) + 1),
                valid_values=values,
                default_value=default_value,
                owner_id=self.owner_id,
            )
        return field_id

    @property
    def default_type_id(self) -> str:
        with self.lock:
            return next(t.id for t in self.incident_types.values() if t.is_default)

    def type_fields(self, type_id: str) -> list[FieldDef]:
        with self.lock:
            return [f for f in self.fields.values() if f.incident_type_id == type_id]

    # --- inspection ----------------------------------------------------------------------
    def created_bodies(self) -> list[dict[str, Any]]:
        """Parsed bodies of every accepted (201) POST /api/v2/incidents, in order."""
        with self.lock:
            return copy.deepcopy(self._bodies)

    def timeline(self, incident_id: str | int) -> list[dict[str, Any]]:
        """The `initial_cells` sent at creation: Datadog has no later timeline API to read."""
        with self.lock:
            incident = self.find_incident(str(incident_id))
            if incident is None:
                raise KeyError(incident_id)
            return copy.deepcopy(incident["_initial_cells"])

    def find_incident(self, key: str) -> dict[str, Any] | None:
        """By UUID, or by public id (the number in `IR-<n>` and in web links)."""
        with self.lock:
            if key in self.incidents:
                return self.incidents[key]
            if key.isdigit():
                for incident in self.incidents.values():
                    if incident["attributes"]["public_id"] == int(key):
                        return incident
            return None

    # --- declare -----------------------------------------------------------------------
    def declare(self, body: JSON) -> dict[str, Any]:
        """Store an incident from a body the client models accepted; DeclareError if refused."""
        with self.lock:
            data = body["data"]
            attrs = data["attributes"]
            scope = attrs.get("customer_impact_scope") or ""
            if attrs.get("customer_impacted") and not scope.strip():
                raise DeclareError(
                    400, "customer_impact_scope is required when customer_impacted is true"
                )
            type_id = attrs.get("incident_type_uuid") or self.default_type_id
            if type_id not in self.incident_types:
                raise DeclareError(400, f"Invalid incident_type_uuid: type {type_id} not found")
            commander = None
            ref = ((data.get("relationships") or {}).get("commander_user") or {}).get("data")
            if ref:
                commander = self.users.get(ref["id"])
                if commander is None:
                    raise DeclareError(404, "User not found")
            type_fields = self.type_fields(type_id)
            sent = attrs.get("fields") or {}
            problem = field_problem(type_fields, sent)
            if problem:
                raise DeclareError(400, problem)
            public_id = self._next_public_id
            self._next_public_id += 1
            fields = default_fields(public_id)
            for f in type_fields:
                fields.setdefault(f.name, {"type": f.field_type, "value": f.initial_value()})
            for name, value in sent.items():
                fields[name] = {
                    "type": value.get("type"),
                    "value": copy.deepcopy(value.get("value")),
                }
            fields["slug"] = {"type": "textbox", "value": f"IR-{public_id}"}
            incident = incident_resource(
                incident_id=str(uuid.uuid4()),
                public_id=public_id,
                attrs=copy.deepcopy(attrs),
                type_id=type_id,
                fields=fields,
                commander=commander,
                owner=self.users[self.owner_id],
                field_ids=[f.id for f in type_fields],
                responder_id=str(uuid.uuid4()) if commander else None,
            )
            incident["_initial_cells"] = copy.deepcopy(attrs.get("initial_cells") or [])
            self.incidents[incident["id"]] = incident
            self.integrations[incident["id"]] = []
            self._bodies.append(copy.deepcopy(body))
            return incident

    def link_integration(self, incident: dict[str, Any], attrs: JSON) -> dict[str, Any]:
        """Store integration metadata and reference it from the incident's relationships."""
        with self.lock:
            owner = self.users[self.owner_id]
            item = integration_resource(
                str(uuid.uuid4()), incident["id"], copy.deepcopy(attrs), owner
            )
            self.integrations.setdefault(incident["id"], []).append(item)
            refs = incident["relationships"]["integrations"]["data"]
            refs.append({"type": "incident_integrations", "id": item["id"]})
            return item


def _values_of(valid_values: list[dict[str, str]]) -> set[str]:
    return {v["value"] for v in valid_values}


SENT_AS = {"number": "textbox", "datetime": "textbox"}
"""The create schema has no number or datetime type: those fields travel as textbox strings."""


def _typed_ok(field_type: str, chosen: object) -> bool:
    """A number field's text must be a number, a datetime field's an ISO 8601 time."""
    if field_type not in SENT_AS or not isinstance(chosen, str):
        return True
    try:
        if field_type == "number":
            return math.isfinite(float(chosen))
        datetime.fromisoformat(chosen)
    except ValueError:
        return False
    return True


def field_problem(type_fields: list[FieldDef], sent: JSON) -> str | None:
    """Known fields must keep their type and valid values; required ones must be set.

    Unknown field names are accepted, as are the built-in fields a type does not list.
    """
    for known in type_fields:
        value = sent.get(known.name)
        if value is None:
            if known.required and known.default_value is None:
                return f"Field '{known.name}' is required"
            continue
        expected = SENT_AS.get(known.field_type, known.field_type)
        if value.get("type") != expected:
            return f"Field '{known.name}' is a {expected} field, not {value.get('type')}"
        chosen = value.get("value")
        if chosen is None:
            continue
        if known.field_type not in MULTI_VALUE_TYPES and isinstance(chosen, list):
            return f"Field '{known.name}' takes a single value"
        if not _typed_ok(known.field_type, chosen):
            return f"Invalid {known.field_type} {chosen!r} for field '{known.name}'"
        if known.valid_values:
            allowed = _values_of(known.valid_values)
            bad = [
                v for v in (chosen if isinstance(chosen, list) else [chosen]) if v not in allowed
            ]
            if bad:
                return f"Invalid value {bad[0]!r} for field '{known.name}'"
    return None


def facets(hits: list[dict[str, Any]]) -> JSON:
    """Severity and state counts, present values first, as recorded (other facets omitted)."""
    out: JSON = {}
    for name, known in (("severity", SEVERITY_VALUES), ("state", STATE_VALUES)):
        counts = Counter(str(i["attributes"][name]) for i in hits)
        rows = [{"name": k, "count": c} for k, c in counts.most_common()]
        rows += [{"name": v, "count": 0} for v, _ in known if v not in counts]
        out[name] = rows
    return out
