"""What the responders feature needs from Datadog and Slack (adapters implement these)."""

from __future__ import annotations

from typing import Protocol

from bot.domain.incident.responders import Responder, ResponderRole


class ResponderDirectory(Protocol):
    """Datadog's roles and an incident's responders; failures are `StepFailed`."""

    def roles(self, *, budget: float | None = None, fresh: bool = False) -> list[ResponderRole]:
        """The org's roles (cached briefly unless `fresh`); `budget`: one try within it."""
        ...

    def last_roles(self) -> list[ResponderRole] | None:
        """The org's roles as last read, however old (never waits); None before any read."""
        ...

    def responders(self, incident_id: str) -> list[Responder]:
        """The incident's responders as Datadog lists them, role names filled in."""
        ...

    def add(self, incident_id: str, user_id: str, role_id: str | None) -> Responder:
        """POST one responder; StepFailed(ambiguous=True) when it may have landed."""
        ...

    def remove(self, incident_id: str, responder_id: str) -> bool:
        """DELETE one responder; False when Datadog says it is already gone (404)."""
        ...


class ChannelInviter(Protocol):
    """The incident channel's invites (bot/slack/channel/conversations.py): notes for the
    people Slack refused, each person judged alone."""

    def invite(self, channel_id: str, user_ids: tuple[str, ...]) -> tuple[str, ...]: ...
