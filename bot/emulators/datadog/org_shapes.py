"""JSON shapes of the org served by the Datadog emulator: users, incident types, fields.

Shapes copy real recordings (datadog-api-client-python cassettes), including keys
the OpenAPI spec does not list and the nulls Datadog sends, so clients are tested
against what production returns rather than what the spec promises.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

# Spec: IncidentUserDefinedFieldFieldType ("1=dropdown, 2=multiselect, ...").
FIELD_TYPES: dict[str, int] = {
    "dropdown": 1,
    "multiselect": 2,
    "textbox": 3,
    "textarray": 4,
    "metrictag": 5,
    "autocomplete": 6,
    "number": 7,
    "datetime": 8,
}
MULTI_VALUE_TYPES = frozenset({"multiselect", "textarray", "metrictag", "autocomplete"})

SEVERITY_VALUES: tuple[tuple[str, str], ...] = (
    ("UNKNOWN", "Unknown"),
    ("SEV-0", "SEV-0 (Emergency)"),
    ("SEV-1", "SEV-1 (Critical)"),
    ("SEV-2", "SEV-2 (High)"),
    ("SEV-3", "SEV-3 (Moderate)"),
    ("SEV-4", "SEV-4 (Low)"),
    ("SEV-5", "SEV-5 (Minor)"),
)
STATE_VALUES: tuple[tuple[str, str], ...] = (
    ("active", "Active"),
    ("stable", "Stable"),
    ("resolved", "Resolved"),
)


def now_iso() -> str:
    """Datadog's timestamp format: `2026-02-23T14:06:31.985081+00:00`."""
    return datetime.now(UTC).isoformat()


def gravatar(email: str) -> str:
    digest = hashlib.md5(email.encode(), usedforsecurity=False).hexdigest()
    return f"https://secure.gravatar.com/avatar/{digest}?s=48&d=retro"


def user_ref(user_id: str | None) -> JSON:
    return {"data": {"type": "users", "id": user_id} if user_id else None}


@dataclass
class User:
    id: str
    email: str
    name: str | None
    disabled: bool
    status: str
    created_at: str = field(default_factory=now_iso)

    def resource(self, org_id: str) -> JSON:
        """The users API object (`GET /api/v2/users`)."""
        return {
            "type": "users",
            "id": self.id,
            "attributes": {
                "name": self.name,
                "handle": self.email,
                "created_at": self.created_at,
                "modified_at": self.created_at,
                "email": self.email,
                "icon": gravatar(self.email),
                "title": None,
                "verified": self.status == "Active",
                "service_account": False,
                "disabled": self.disabled,
                "allowed_login_methods": [],
                "status": self.status,
                "last_login_time": None,
            },
            "relationships": {
                "roles": {"data": []},
                "org": {"data": {"type": "orgs", "id": org_id}},
            },
        }

    def embedded(self) -> JSON:
        """The condensed user object incidents embed (`commander`, `created_by`, ...)."""
        return {
            "data": {
                "type": "users",
                "id": self.id,
                "attributes": {
                    "uuid": self.id,
                    "handle": self.email,
                    "email": self.email,
                    "name": self.name,
                    "icon": gravatar(self.email),
                },
            }
        }


@dataclass
class IncidentTypeDef:
    id: str
    name: str
    description: str
    is_default: bool
    owner_id: str
    created_at: str = field(default_factory=now_iso)

    def resource(self) -> JSON:
        """Spec IncidentTypeObject; note the camelCase timestamps, as recorded."""
        return {
            "id": self.id,
            "type": "incident_types",
            "attributes": {
                "createdAt": self.created_at,
                "createdBy": self.owner_id,
                "description": self.description,
                "is_default": self.is_default,
                "lastModifiedBy": self.owner_id,
                "modifiedAt": self.created_at,
                "name": self.name,
                "prefix": "IR",
            },
            "relationships": {
                "created_by_user": user_ref(self.owner_id),
                "google_chat_configuration": {"data": None},
                "google_meet_configuration": {"data": None},
                "last_modified_by_user": user_ref(self.owner_id),
                "microsoft_teams_configuration": {"data": None},
                "zoom_configuration": {"data": None},
            },
        }


@dataclass
class FieldDef:
    id: str
    name: str
    field_type: str
    display_name: str
    incident_type_id: str
    required: bool
    ordinal: str | None
    valid_values: list[dict[str, str]] | None
    default_value: str | None
    owner_id: str
    reserved: bool = False
    created_at: str = field(default_factory=now_iso)

    def resource(self) -> JSON:
        """Spec IncidentUserDefinedFieldResponseData (`type` is the integer enum)."""
        return {
            "id": self.id,
            "type": "user_defined_field",
            "attributes": {
                "attached_to": "incidents",
                "category": None,
                "collected": None,
                "created": self.created_at,
                "default_value": self.default_value,
                "deleted": None,
                "display_name": self.display_name,
                "metadata": None,
                "modified": self.created_at,
                "name": self.name,
                "ordinal": self.ordinal,
                "prerequisite": None,
                "required": self.required,
                "reserved": self.reserved,
                "table_id": 0,
                "tag_key": None,
                "type": FIELD_TYPES[self.field_type],
                "valid_values": [dict(v) for v in self.valid_values]
                if self.valid_values is not None
                else None,
            },
            "relationships": {
                "created_by_user": user_ref(self.owner_id),
                "incident_type": {"data": {"id": self.incident_type_id, "type": "incident_types"}},
                "last_modified_by_user": user_ref(self.owner_id),
            },
        }

    def initial_value(self) -> object:
        """The value a new incident carries when the declarer sent none."""
        if self.default_value is None:
            return None
        return [self.default_value] if self.field_type in MULTI_VALUE_TYPES else self.default_value


def normalise_valid_values(values: list[dict[str, str]]) -> list[dict[str, str]]:
    """Fill the keys Datadog always returns for a valid value."""
    out = []
    for v in values:
        value = v["value"]
        out.append(
            {
                "value": value,
                "display_name": v.get("display_name", value),
                "description": v.get("description", ""),
                "short_description": v.get("short_description", ""),
            }
        )
    return out
