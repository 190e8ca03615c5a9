"""JSON shapes of incidents served by the Datadog emulator: created, listed, searched, linked.

Copied key for key from real recordings (datadog-api-client-python cassettes), nulls
included, so clients are tested against what production returns.
"""

from __future__ import annotations

import copy

from bot.emulators.datadog.org_shapes import JSON, User, now_iso, user_ref


def default_fields(public_id: int) -> JSON:
    """The fields every new incident carries, as recorded (values are later overlaid)."""
    return {
        "teams": {"type": "autocomplete", "value": None},
        "severity": {"type": "dropdown", "value": "UNKNOWN"},
        "state": {"type": "dropdown", "value": "active"},
        "detection_method": {"type": "dropdown", "value": "unknown"},
        "root_cause": {"type": "textbox", "value": None},
        "summary": {"type": "textbox", "value": None},
        "services": {"type": "autocomplete", "value": None},
        "slug": {"type": "textbox", "value": f"IR-{public_id}"},
    }


def incident_resource(
    *,
    incident_id: str,
    public_id: int,
    attrs: JSON,
    type_id: str,
    fields: JSON,
    commander: User | None,
    owner: User,
    field_ids: list[str],
    responder_id: str | None,
) -> JSON:
    """A created incident, key for key in the order of the recorded 201."""
    created = now_iso()
    impacted = bool(attrs.get("customer_impacted"))
    severity = fields.get("severity", {}).get("value") or "UNKNOWN"
    return {
        "type": "incidents",
        "id": incident_id,
        "attributes": {
            "public_id": public_id,
            "incident_type_uuid": type_id,
            "title": attrs["title"],
            "resolved": None,
            "customer_impact_scope": attrs.get("customer_impact_scope"),
            "customer_impact_start": created if impacted else None,
            "customer_impact_end": None,
            "customer_impacted": impacted,
            "notification_handles": attrs.get("notification_handles") or None,
            "last_modified_by": owner.embedded(),
            "last_modified_by_uuid": None,
            "created": created,
            "modified": created,
            "commander": commander.embedded() if commander else None,
            "detected": created,
            "created_by": owner.embedded(),
            "created_by_uuid": None,
            "creation_idempotency_key": None,
            "customer_impact_duration": 0,
            "time_to_detect": 0,
            "time_to_repair": 0,
            "time_to_internal_response": 0,
            "time_to_resolve": 0,
            "archived": None,
            "is_test": bool(attrs.get("is_test", False)),
            "declared": created,
            "declared_by": owner.embedded(),
            "declared_by_uuid": None,
            "fields": fields,
            "field_analytics": None,
            "severity": severity,
            "state": fields.get("state", {}).get("value") or "active",
            "non_datadog_creator": None,
            "visibility": "organization",
            "case_id": None,
        },
        "relationships": {
            "created_by_user": user_ref(owner.id),
            "last_modified_by_user": user_ref(owner.id),
            "commander_user": user_ref(commander.id if commander else None),
            "declared_by_user": user_ref(owner.id),
            "user_defined_fields": {
                "data": [{"type": "user_defined_field", "id": i} for i in field_ids]
            },
            "integrations": {"data": []},
            "attachments": {"data": []},
            "responders": {
                "data": [{"type": "incident_responders", "id": responder_id}]
                if responder_id
                else []
            },
            "impacts": {"data": []},
        },
    }


_EMBEDDED_USERS = ("last_modified_by", "commander", "created_by", "declared_by")


def public_view(incident: JSON, *, embed_users: bool) -> JSON:
    """The incident as served: private `_` keys stripped.

    POST and search embed user objects (and leave `*_uuid` null); GET of one
    incident or the list do not, and fill the `*_uuid` keys instead, as recorded.
    """
    out = {k: v for k, v in incident.items() if not k.startswith("_")}
    attrs = dict(out["attributes"])
    if not embed_users:
        for key in _EMBEDDED_USERS:
            user = attrs.pop(key, None)
            uuid_key = f"{key}_uuid"
            if uuid_key in attrs and user:
                attrs[uuid_key] = user["data"]["id"]
    out["attributes"] = attrs
    return out


def included_users(incident: JSON) -> list[JSON]:
    """The `included` users of `GET ...?include=users`: each user the incident names, once."""
    found: dict[str, JSON] = {}
    for key in _EMBEDDED_USERS:
        user = (incident["attributes"].get(key) or {}).get("data")
        if user and user.get("id") not in found:
            found[user["id"]] = copy.deepcopy(user)
    return list(found.values())


def integration_resource(integration_id: str, incident_id: str, attrs: JSON, owner: User) -> JSON:
    """Integration metadata as the recorded 201 returns it."""
    created = now_iso()
    return {
        "type": "incident_integrations",
        "id": integration_id,
        "attributes": {
            "created": created,
            "modified": created,
            "created_by": owner.embedded(),
            "created_by_uuid": owner.id,
            "incident_id": incident_id,
            "last_modified_by": owner.embedded(),
            "last_modified_by_uuid": owner.id,
            # "manually created": what Datadog answered even when 2 was sent.
            "status": 3,
            "integration_type": attrs["integration_type"],
            "metadata": attrs["metadata"],
        },
        "relationships": {
            "created_by_user": user_ref(owner.id),
            "last_modified_by_user": user_ref(owner.id),
        },
    }


def integration_list_view(integration: JSON) -> JSON:
    """The list endpoint omits the embedded user objects (as recorded)."""
    attrs = {
        k: v
        for k, v in integration["attributes"].items()
        if k not in ("created_by", "last_modified_by")
    }
    return {**integration, "attributes": attrs}


def pagination(offset: int, count: int) -> JSON:
    """`meta.pagination` as recorded: `size` is the number of items returned."""
    return {"pagination": {"offset": offset, "next_offset": offset + count, "size": count}}
