"""Public notices on a Datadog status page: what one says, and how the bot finds its own.

A `Notice` is what a person publishes from Slack: a title, a public message, the notice's
status and the affected components with theirs, for one incident (its source). The first
publish of an incident creates a degradation on the page, later ones change it (the
degradation's id is kept on the card, `IncidentCard.status_notice`).

Datadog takes no `source` on create (its `source: {"type": "incident"}` is read only, set
when a notice is made from Datadog's own incident page), so after a lost answer the bot
recognises its notice by what it sent: the same title and message on that page, created
after the publish was accepted (`made_by`). A notice whose source is the incident counts too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

CLOCK_SKEW = 120.0
"""Seconds a degradation's `created_at` may read before the publish was accepted (Datadog's
clock against ours) and still be the one it made."""
MESSAGE_MAX = 2000
"""Longest public message the modal takes (a notice is read on a phone)."""
TITLE_MAX = 150


class ComponentStatus(StrEnum):
    """A component's status on the page (Datadog's values, worst last)."""

    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    MAINTENANCE = "maintenance"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class NoticeStatus(StrEnum):
    """Where the notice stands (Datadog's degradation statuses)."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PageComponent(_Frozen):
    """A component people can mark affected (groups are flattened into `group`)."""

    id: str
    name: str
    group: str | None = None
    status: ComponentStatus = ComponentStatus.OPERATIONAL

    @property
    def label(self) -> str:
        return f"{self.group} / {self.name}" if self.group else self.name


class StatusPage(_Frozen):
    id: str
    name: str
    url: str | None = None
    """The page people read (Datadog's `page_url`)."""
    components: tuple[PageComponent, ...] = ()

    def component(self, component_id: str) -> PageComponent | None:
        return next((c for c in self.components if c.id == component_id), None)


class AffectedComponent(_Frozen):
    id: str
    status: ComponentStatus
    name: str = ""


class Notice(_Frozen):
    """What one publish says on the page, for one incident."""

    incident_id: str
    """The source: the Datadog incident this notice is about."""
    title: str
    message: str
    status: NoticeStatus = NoticeStatus.INVESTIGATING
    components: tuple[AffectedComponent, ...] = ()

    def resolved(self, message: str) -> Notice:
        """The notice closing: resolved, every affected component operational again."""
        operational = tuple(
            c.model_copy(update={"status": ComponentStatus.OPERATIONAL}) for c in self.components
        )
        return self.model_copy(
            update={"status": NoticeStatus.RESOLVED, "message": message, "components": operational}
        )


class Degradation(_Frozen):
    """A degradation as Datadog holds it."""

    id: str
    page_id: str
    title: str = ""
    message: str = ""
    status: NoticeStatus = NoticeStatus.INVESTIGATING
    components: Mapping[str, ComponentStatus] = {}
    created_at: float | None = None
    source_incident_id: str | None = None

    def made_by(self, notice: Notice, *, accepted_at: float) -> bool:
        """This is the degradation a create of `notice`, accepted at `accepted_at`, made."""
        if self.source_incident_id is not None and self.source_incident_id == notice.incident_id:
            return self.created_at is None or self.created_at >= accepted_at - CLOCK_SKEW
        if self.title != notice.title or self.message != notice.message:
            return False
        return self.created_at is not None and self.created_at >= accepted_at - CLOCK_SKEW

    def says(self, notice: Notice) -> bool:
        """Datadog already shows everything `notice` says (a PATCH that landed)."""
        wanted = {c.id: c.status for c in notice.components}
        return (
            self.title == notice.title
            and self.message == notice.message
            and self.status == notice.status
            and dict(self.components) == wanted
        )


class StatusPageGateway(Protocol):
    """Datadog's Status Pages, as the domain needs them (bot/datadog/status_page_gateway.py).

    Errors are `StepFailed` (bot/domain/reliability/outcomes.py) with Datadog's reason.
    """

    def status_page(self, page_id: str) -> StatusPage: ...

    def degradations(self, page_id: str) -> list[Degradation]:
        """The page's degradations, newest first (a bounded number of pages)."""
        ...

    def create(self, page_id: str, notice: Notice) -> Degradation:
        """POST a new degradation; never retried blindly (a lost answer is looked for)."""
        ...

    def update(self, page_id: str, degradation_id: str, notice: Notice) -> Degradation:
        """PATCH the degradation to say `notice` (the same PATCH twice says the same)."""
        ...


def iso_seconds(value: str | None) -> float | None:
    """`2026-04-24T14:12:39.710666Z` → unix seconds; None when absent or unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
