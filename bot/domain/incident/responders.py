"""A responder and a role as the bot knows them, whatever Datadog or Slack said.

Kept beside the incident (not in bot/domain/responders/) because the card record
(bot/domain/lifecycle/record.py, a lower feature) lists them; what is done with them lives
in bot/domain/responders/.

`Responder` is one row of `GET /api/v2/incidents/{incident_id}/responders`: Datadog's
responder id (what a removal names), the Datadog user, the role assigned, and the Slack
person when the bot knows them (it added them, or resolved them). `ResponderRole` is one of
the org's user-defined roles (`GET /api/v2/incidents/config/user-defined-roles`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ResponderRole(_Frozen):
    """One of the org's incident roles (Datadog's user-defined roles)."""

    id: str
    name: str
    description: str = ""
    is_single: bool = False
    """Datadog's policy: at most one responder holds this role."""


class Responder(_Frozen):
    """One person on an incident's response, as Datadog lists them."""

    responder_id: str
    datadog_user_id: str | None = None
    """None when Datadog's `user` relationship is null (an external responder)."""
    name: str = ""
    handle: str = ""
    email: str | None = None
    role_id: str | None = None
    role_name: str | None = None
    slack_user_id: str | None = None
    created_by_id: str | None = None
    """The Datadog user who added them (`created_by`), when Datadog says."""
    last_modified_by_id: str | None = None
    created_by_name: str = ""
    """Who added them, as Datadog names that user (its `included` users), when it says."""
    created: str | None = None

    @property
    def label(self) -> str:
        """Name, else handle, else email, else Datadog's id."""
        return self.name or self.handle or self.email or self.datadog_user_id or self.responder_id

    def with_role_names(self, roles: dict[str, ResponderRole]) -> Responder:
        """The role's name filled in from the org's roles (by id), when Datadog's answer
        named the role only by id."""
        if self.role_id is None or self.role_name or self.role_id not in roles:
            return self
        return self.model_copy(update={"role_name": roles[self.role_id].name})
