"""What changed on an incident, as lines a person reads in the thread.

`diff(before, after)` compares two snapshots. It serves both directions: an update from
Slack (`describe_update`: the snapshot before and the changes sent) and a change made in
Datadog's own UI (`external_update`: the stored snapshot and the fetched one, with who
changed it when Datadog says). Lines are plain text without Slack formatting: the Slack
layer escapes them and prefixes who did it (`<@U…> changed severity SEV-2 → SEV-1`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.domain.incident.org import MULTI_VALUE_KINDS, OrgField
from bot.domain.incident.state import IncidentChanges, IncidentUser, IncidentView, same_values


class ChangeKind(StrEnum):
    TITLE = "title"
    SEVERITY = "severity"
    STATE = "state"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    COMMANDER = "commander"
    CUSTOMER_IMPACT = "customer_impact"
    IMPACT_SCOPE = "impact_scope"
    IMPACT_END = "impact_end"
    FIELD = "field"


@dataclass(frozen=True)
class Change:
    """One change; `text` reads after a name: "<who> changed severity SEV-2 → SEV-1"."""

    kind: ChangeKind
    name: str
    before: str
    after: str
    detail: str = ""
    """A resolution note, shown after a colon."""

    @property
    def value(self) -> str:
        """What it was set to, as a phrase: "SEV-1", "“New title”", "no customer impact"."""
        if self.kind is ChangeKind.CUSTOMER_IMPACT:
            return f"customers impacted ({self.after})" if self.after else "no customer impact"
        if not self.after:
            return "empty"
        quote = self.kind in (ChangeKind.TITLE, ChangeKind.IMPACT_SCOPE)
        return f"“{self.after}”" if quote else self.after

    @property
    def text(self) -> str:
        tail = f": {self.detail}" if self.detail else ""
        if self.kind is ChangeKind.RESOLVED:
            return f"resolved the incident{tail}"
        if self.kind is ChangeKind.REOPENED:
            return f"reopened the incident ({self.after}){tail}"
        if self.kind is ChangeKind.CUSTOMER_IMPACT:
            if self.after:
                return f"marked customers as impacted: {self.after}"
            return "marked customers as no longer impacted"
        if self.kind is ChangeKind.IMPACT_END:
            return f"set the customer impact end to {self.after}"
        quote = self.kind in (ChangeKind.TITLE, ChangeKind.IMPACT_SCOPE)
        before = f"“{self.before}”" if quote else self.before
        after = f"“{self.after}”" if quote else self.after
        if not self.before:
            return f"set {self.name} to {after}"
        if not self.after:
            return f"cleared {self.name} (was {before})"
        return f"changed {self.name} {before} → {after}"


@dataclass(frozen=True)
class ExternalUpdate:
    """Changes seen in Datadog since the last snapshot, and who made them when known."""

    changes: tuple[Change, ...]
    by: IncidentUser | None

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(change.text for change in self.changes)


def moment(value: datetime) -> str:
    """A timestamp as people read it in the thread: 2024-05-01 13:30 UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _commander(user: IncidentUser | None) -> str:
    return user.label if user else ""


def _state_change(before: IncidentView, after: IncidentView) -> Change:
    if after.resolved and not before.resolved:
        return Change(ChangeKind.RESOLVED, "state", before.state, after.state)
    if before.resolved and not after.resolved:
        return Change(ChangeKind.REOPENED, "state", before.state, after.state)
    return Change(ChangeKind.STATE, "state", before.state, after.state)


def _impact_changes(before: IncidentView, after: IncidentView) -> list[Change]:
    out: list[Change] = []
    scope_before = before.customer_impact_scope or ""
    scope_after = after.customer_impact_scope or ""
    if before.customer_impacted != after.customer_impacted:
        shown = (scope_after or "scope not given") if after.customer_impacted else ""
        out.append(Change(ChangeKind.CUSTOMER_IMPACT, "customer impact", "", shown))
    elif after.customer_impacted and scope_before != scope_after:
        out.append(Change(ChangeKind.IMPACT_SCOPE, "customer impact", scope_before, scope_after))
    end_after = after.customer_impact_end
    if end_after is not None and end_after != before.customer_impact_end:
        ended = before.customer_impact_end
        out.append(
            Change(
                ChangeKind.IMPACT_END,
                "customer impact end",
                moment(ended) if ended else "",
                moment(end_after),
            )
        )
    return out


def _field_changes(
    before: IncidentView, after: IncidentView, org_fields: Sequence[OrgField]
) -> list[Change]:
    known = {f.name: f for f in org_fields}
    out: list[Change] = []
    for field in after.fields:
        was = before.values_of(field.name)
        multi = field.kind in MULTI_VALUE_KINDS
        if same_values(was, field.values, multi=multi):
            continue
        org = known.get(field.name)
        name = org.display_name if org else field.name

        def shown(values: tuple[str, ...], org: OrgField | None = org) -> str:
            return ", ".join(org.label_of(v) if org else v for v in values)

        out.append(Change(ChangeKind.FIELD, name, shown(was), shown(field.values)))
    return out


def diff(
    before: IncidentView, after: IncidentView, org_fields: Sequence[OrgField] = ()
) -> tuple[Change, ...]:
    """Every visible difference, in card order; `org_fields` give fields' display names."""
    out: list[Change] = []
    if before.title != after.title:
        out.append(Change(ChangeKind.TITLE, "the title", before.title, after.title))
    if before.severity != after.severity:
        out.append(Change(ChangeKind.SEVERITY, "severity", before.severity, after.severity))
    if before.state != after.state:
        out.append(_state_change(before, after))
    if before.commander_id != after.commander_id:
        out.append(
            Change(
                ChangeKind.COMMANDER,
                "the commander",
                _commander(before.commander),
                _commander(after.commander),
            )
        )
    out += _impact_changes(before, after)
    out += _field_changes(before, after, org_fields)
    return tuple(out)


def describe_update(
    before: IncidentView,
    changes: IncidentChanges,
    org_fields: Sequence[OrgField] = (),
    *,
    note: str | None = None,
) -> tuple[Change, ...]:
    """The changes an update from Slack made; a resolution note rides on the resolve line.

    E.g. a SEV-2 incident and `IncidentChanges(severity="SEV-1")` give one change whose
    text is "changed severity SEV-2 → SEV-1".
    """
    found = diff(before, before.apply(changes), org_fields)
    if not note:
        return found
    return tuple(
        Change(c.kind, c.name, c.before, c.after, note) if c.kind is ChangeKind.RESOLVED else c
        for c in found
    )


def external_update(
    before: IncidentView, after: IncidentView, org_fields: Sequence[OrgField] = ()
) -> ExternalUpdate | None:
    """What changed outside Slack between two snapshots, or None when nothing visible did.

    The author is Datadog's `last_modified_by` of the newer snapshot, only when `modified`
    moved (otherwise it names an earlier change's author).
    """
    changes = diff(before, after, org_fields)
    if not changes:
        return None
    moved = after.modified is not None and after.modified != before.modified
    return ExternalUpdate(changes=changes, by=after.last_modified_by if moved else None)
