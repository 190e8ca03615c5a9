"""The rules of Resolve and Reopen, judged against Datadog's current incident.

Resolve: `fields.state = resolved`, an optional note for the thread, and, when customers
were impacted, when the impact ended (`customer_impact_end`, default now). Reopen: back to
active. Both are no-ops on an incident already in the wanted state, so a resolve delivered
twice (or pressed by two people) sends one change and leaves one thread note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.domain.incident.declaration import clean, shorten
from bot.domain.incident.state import ACTIVE, RESOLVED, IncidentChanges, IncidentView
from bot.domain.lifecycle.update import UpdateField

NOTE_MAX = 2000
"""A resolution note longer than this is shortened (it is shown in the thread)."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future an impact end may be (the person's clock, a slow submit)."""


class ResolveForm(BaseModel):
    """What the resolve modal said."""

    model_config = ConfigDict(frozen=True)

    note: str = ""
    impact_end: datetime | None = None
    """None takes "now"; a time without a zone is UTC."""


@dataclass(frozen=True)
class ResolvePlan:
    """Changes to send (empty when there is nothing to do), the note, or errors."""

    changes: IncidentChanges = IncidentChanges()
    note: str | None = None
    errors: dict[UpdateField, str] = field(default_factory=dict)
    already: bool = False
    """The incident was already resolved: nothing to send, nothing to say in the thread."""

    @property
    def ok(self) -> bool:
        return not self.errors


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def plan_resolve(current: IncidentView, form: ResolveForm, *, now: datetime) -> ResolvePlan:
    """Resolve `current`: state, impact end when customers were impacted, and the note."""
    note = shorten(clean(form.note), NOTE_MAX) or None
    if current.resolved:
        return ResolvePlan(note=note, already=True)
    now = _utc(now)
    end: datetime | None = None
    if current.customer_impacted:
        end = _utc(form.impact_end) if form.impact_end else now
        if end > now + CLOCK_SKEW:
            return ResolvePlan(
                note=note,
                errors={UpdateField.IMPACT_END: "The impact can't end in the future."},
            )
    changes = IncidentChanges(state=RESOLVED, customer_impact_end=end)
    return ResolvePlan(changes=changes, note=note)


def plan_reopen(current: IncidentView) -> IncidentChanges:
    """Back to active; nothing when the incident is already open."""
    return IncidentChanges(state=ACTIVE) if current.resolved else IncidentChanges()
