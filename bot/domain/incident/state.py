"""A Datadog incident as the bot shows it: the card, the update modal and the sync all read this.

`IncidentView` is a snapshot: what Datadog said at one moment (`modified`). The update rules
compare three of them (what the modal showed, what Datadog holds now, and the result of the
changes); `bot/datadog/update_models.py` builds it from Datadog's lenient JSON.
User-defined field values reuse the declaration's `CustomField` (name, wire kind, values).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.incident.declaration import CustomField

ACTIVE = "active"
STABLE = "stable"
RESOLVED = "resolved"
COMPLETED = "completed"
DEFAULT_STATES: tuple[str, ...] = (ACTIVE, STABLE, RESOLVED)
"""The state field's values when the org defines none (Datadog's defaults)."""
CLOSED_STATES = frozenset({RESOLVED, COMPLETED})
"""States Datadog counts as over (`resolved` is set when entering them)."""
OPEN_STATES: tuple[str, ...] = (ACTIVE, STABLE)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class IncidentUser(_Frozen):
    """A Datadog user referenced by the incident (commander, last modifier)."""

    datadog_id: str
    display: str = ""
    """Name, else handle, else email, as Datadog gave it; may be empty."""
    email: str | None = None

    @property
    def label(self) -> str:
        return self.display or self.email or self.datadog_id


class IncidentChanges(_Frozen):
    """What to change on an incident; None (or no fields) means "leave as it is"."""

    title: str | None = None
    severity: str | None = None
    state: str | None = None
    commander: IncidentUser | None = None
    customer_impacted: bool | None = None
    customer_impact_scope: str | None = None
    customer_impact_end: datetime | None = None
    fields: tuple[CustomField, ...] = ()
    """User-defined fields to set; an empty `values` clears a field."""

    @property
    def empty(self) -> bool:
        return self == IncidentChanges()


class IncidentView(_Frozen):
    """One Datadog incident, reduced to what the card, the modals and the sync use."""

    incident_id: str
    public_id: int
    title: str = ""
    severity: str = "UNKNOWN"
    state: str = ACTIVE
    commander: IncidentUser | None = None
    customer_impacted: bool = False
    customer_impact_scope: str | None = None
    customer_impact_end: datetime | None = None
    customer_impact_start: datetime | None = None
    fields: tuple[CustomField, ...] = ()
    """User-defined fields other than severity and state, in Datadog's order."""
    incident_type_id: str | None = None
    is_test: bool = False
    url: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    last_modified_by: IncidentUser | None = None
    responder_ids: tuple[str, ...] = Field(default=(), exclude=True)
    """Datadog's `responders` relationship (the commander's among them): the sync reads the
    responders only when these differ from the card's. Never stored nor sent (read fresh)."""
    resolved_at: datetime | None = None
    """When Datadog last entered a closed state (its `resolved`); None while open."""

    @property
    def label(self) -> str:
        return f"IR-{self.public_id}"

    @property
    def resolved(self) -> bool:
        return self.state in CLOSED_STATES

    @property
    def commander_id(self) -> str | None:
        return self.commander.datadog_id if self.commander else None

    def field(self, name: str) -> CustomField | None:
        return next((f for f in self.fields if f.name == name), None)

    def values_of(self, name: str) -> tuple[str, ...]:
        """A user-defined field's values; () when unset or unknown."""
        found = self.field(name)
        return found.values if found else ()

    def apply(self, changes: IncidentChanges) -> IncidentView:
        """The incident after `changes`, with Datadog's merge semantics (unsent fields stay)."""
        update: dict[str, object] = {
            name: value
            for name, value in (
                ("title", changes.title),
                ("severity", changes.severity),
                ("state", changes.state),
                ("commander", changes.commander),
                ("customer_impacted", changes.customer_impacted),
                ("customer_impact_scope", changes.customer_impact_scope),
                ("customer_impact_end", changes.customer_impact_end),
            )
            if value is not None
        }
        if changes.fields:
            merged = {f.name: f for f in self.fields}
            merged.update({f.name: f for f in changes.fields})
            update["fields"] = tuple(merged.values())
        return self.model_copy(update=update)


def same_values(a: tuple[str, ...], b: tuple[str, ...], *, multi: bool) -> bool:
    """Equal answers: order does not matter for multi-value fields (Datadog may reorder)."""
    return sorted(a) == sorted(b) if multi else a == b
