"""Paging on-call from an incident: who is paged, with what message, and what Datadog said.

Pure models (pydantic), read by the Page modal (`bot/slack/responders/`), the declare form's
"Page" field and the page chore; `bot/datadog/gateway.py` turns a `PageRequest` into
Datadog's body. See docs/paging.md.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MESSAGE_MAX = 2000
"""The longest message a page carries (the modal's input says so too)."""
TITLE_MAX = 200


class PageTargetKind(StrEnum):
    """Whom Datadog pages: a team by handle or id, or one user by id."""

    TEAM_HANDLE = "team_handle"
    TEAM_UUID = "team_uuid"
    USER_UUID = "user_uuid"


class PageTarget(BaseModel):
    """One page's recipient. `label` is what people read ("Payments on-call", "@Sam")."""

    model_config = ConfigDict(frozen=True)

    kind: PageTargetKind
    identifier: str = ""
    """The team's handle or id, the person's Datadog user id; empty only for a person not
    yet resolved (`unresolved`: the declare form keeps the Slack user until its page step)."""
    label: str = ""
    slack_id: str | None = None
    """The person chosen in Slack, for a user page (the note mentions them)."""

    @model_validator(mode="after")
    def _named(self) -> PageTarget:
        if not self.identifier and not (self.kind is PageTargetKind.USER_UUID and self.slack_id):
            raise ValueError("a page target needs an identifier")
        return self

    @property
    def unresolved(self) -> bool:
        return not self.identifier

    @property
    def shown(self) -> str:
        return self.label or self.identifier

    @classmethod
    def team(cls, handle: str, name: str | None = None) -> PageTarget:
        return cls(kind=PageTargetKind.TEAM_HANDLE, identifier=handle, label=name or handle)

    @classmethod
    def slack_person(cls, slack_id: str) -> PageTarget:
        """A person chosen in Slack whose Datadog user is found later (by email)."""
        return cls(kind=PageTargetKind.USER_UUID, slack_id=slack_id)

    @classmethod
    def person(cls, datadog_id: str, slack_id: str, name: str | None = None) -> PageTarget:
        return cls(
            kind=PageTargetKind.USER_UUID,
            identifier=datadog_id,
            label=name or "",
            slack_id=slack_id,
        )


class PageRequest(BaseModel):
    """What a page sends: the target and an optional message, kept as a chore's params."""

    model_config = ConfigDict(frozen=True)

    target: PageTarget
    message: str | None = Field(default=None, max_length=MESSAGE_MAX)

    @field_validator("message")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    def params(self) -> dict[str, Any]:
        """JSON-able, for `Chore.params` (read back with `PageRequest.model_validate`)."""
        return self.model_dump(mode="json")


def page_title(public_id: int, title: str) -> str:
    """The page's title as the on-call person reads it: `[IR-12] Checkout is down`."""
    full = f"[IR-{public_id}] {title}"
    return full if len(full) <= TITLE_MAX else full[: TITLE_MAX - 1] + "…"


class PageSent(BaseModel):
    """Datadog's answer to a page (kept as a chore's `result`). `page_id` is empty when the
    answer was lost: the page may have gone out, and it is never resent on its own."""

    model_config = ConfigDict(frozen=True)

    page_id: str = ""

    @property
    def confirmed(self) -> bool:
        return bool(self.page_id)


class Team(BaseModel):
    """A Datadog team the Page modal offers."""

    model_config = ConfigDict(frozen=True)

    id: str
    handle: str
    name: str


class Pager(Protocol):
    """Datadog's paging, as the domain needs it (bot/datadog/gateway.py implements it)."""

    def page(self, incident_id: str, request: PageRequest, *, title: str) -> PageSent:
        """Send one page; raises StepFailed (ambiguous when the answer was lost)."""
        ...

    def teams(self, keyword: str = "") -> list[Team]:
        """The org's teams matching `keyword` (name or handle); raises StepFailed."""
        ...
