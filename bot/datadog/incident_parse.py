"""Reading Datadog's incident resource into our `Incident`, leniently: real answers carry
undocumented keys and nulls, and a PATCH answer names the commander differently from GET."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.datadog.models import Incident, IncidentData


def incident_from(
    data: IncidentData,
    incident_url: Callable[[int], str],
    document: dict[str, Any] | None = None,
) -> Incident:
    """Our `Incident` from Datadog's incident resource (GET, PATCH, create, search hits)."""
    attrs = data.attributes
    public_id = attrs.public_id or 0
    relationships = data.relationships or {}
    # A PATCH answer names the new commander in attributes while its relationship
    # still says null (recorded); GET has only the relationship.
    commander_id = _user_id(attrs.commander) or _user_id(relationships.get("commander_user"))
    modifier = attrs.last_modified_by_uuid or _user_id(attrs.last_modified_by)
    return Incident(
        id=data.id,
        public_id=public_id,
        title=attrs.title or "",
        url=incident_url(public_id),
        severity=attrs.severity,
        state=attrs.state,
        is_test=bool(attrs.is_test),
        created=attrs.created,
        commander_id=commander_id,
        modified=attrs.modified,
        last_modified_by_id=modifier or _user_id(relationships.get("last_modified_by_user")),
        resolved=attrs.resolved,
        customer_impacted=bool(attrs.customer_impacted),
        customer_impact_scope=attrs.customer_impact_scope,
        customer_impact_end=attrs.customer_impact_end,
        fields={k: v for k, v in (attrs.fields or {}).items() if isinstance(v, dict)},
        document=document or {},
    )


def _user_id(ref: object) -> str | None:
    """The id in a `{"data": {"type": "users", "id": ...}}` reference; None if absent/null."""
    data = ref.get("data") if isinstance(ref, dict) else None
    user_id = data.get("id") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, str) and user_id else None
