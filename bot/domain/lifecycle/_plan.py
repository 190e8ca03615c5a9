"""What an update job still has to send, judged again under the card's lease.

Per field of the job, against the version it was judged against (JUDGED) and Datadog's
incident now (CURRENT):

- current == the job's value: already so (two people made the same change, a redelivery,
  a resumed job): not sent, no note, so one change gives one PATCH effect and one note;
- current == judged: nobody else touched it: sent;
- otherwise someone changed that field after this job was judged (e.g. a slow PATCH from
  another person's form landed first): OVERTAKEN, not sent, and the person is told who
  set what. Last writer does not win silently; the fields nobody else touched still go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.domain.incident.changes import describe_update, diff
from bot.domain.incident.org import MULTI_VALUE_KINDS, OrgField
from bot.domain.incident.state import IncidentChanges, IncidentView, same_values
from bot.domain.lifecycle.record import Overtaken, UpdateJob

T = TypeVar("T")


def differs(mine: T | None, theirs: object) -> T | None:
    """`mine` when it would change `theirs`, else None (leave as it is)."""
    return mine if mine is not None and mine != theirs else None


def still_needed(changes: IncidentChanges, view: IncidentView) -> IncidentChanges:
    """`changes` without what `view` already holds."""

    commander = changes.commander
    if commander is not None and commander.datadog_id == view.commander_id:
        commander = None
    state = differs(changes.state, view.state)
    fields = tuple(
        f
        for f in changes.fields
        if not same_values(f.values, view.values_of(f.name), multi=f.kind in MULTI_VALUE_KINDS)
    )
    return IncidentChanges(
        title=differs(changes.title, view.title),
        severity=differs(changes.severity, view.severity),
        state=state,
        commander=commander,
        customer_impacted=differs(changes.customer_impacted, view.customer_impacted),
        customer_impact_scope=differs(changes.customer_impact_scope, view.customer_impact_scope),
        customer_impact_end=changes.customer_impact_end if state or not changes.state else None,
        fields=fields,
    )


def named(view: IncidentView, known: IncidentView) -> IncidentView:
    """`view` with its commander's name from `known` when Datadog's answer gave only an id
    (a GET without included users), so the thread note names people, not ids."""
    mine, theirs = view.commander, known.commander
    if mine is None or mine.display or theirs is None or theirs.datadog_id != mine.datadog_id:
        return view
    return view.model_copy(update={"commander": theirs})


def newer(view: IncidentView, than: IncidentView) -> bool:
    """`view` is a later version of the incident than `than` (by Datadog's `modified`)."""
    return bool(view.modified and than.modified and view.modified > than.modified)


@dataclass(frozen=True)
class FieldChange:
    """One field of an `IncidentChanges` (a state with its impact end, an impact flag with
    its scope), keyed so two jobs' changes to the same field can be matched."""

    key: str
    changes: IncidentChanges

    def held_by(self, view: IncidentView) -> object:
        """What `view` holds in this field (multi-value answers in any order)."""
        if self.key == "commander":
            return view.commander_id
        if self.key == "customer_impact":
            return view.customer_impacted, view.customer_impact_scope or ""
        if self.key.startswith("field:"):
            (field,) = self.changes.fields
            values = view.values_of(field.name)
            return tuple(sorted(values)) if field.kind in MULTI_VALUE_KINDS else values
        return getattr(view, self.key)


def by_field(changes: IncidentChanges) -> list[FieldChange]:
    """`changes` one field at a time, in card order."""
    out: list[FieldChange] = []
    for name in ("title", "severity"):
        if getattr(changes, name) is not None:
            out.append(FieldChange(name, IncidentChanges(**{name: getattr(changes, name)})))
    end = changes.customer_impact_end
    if changes.state is not None:
        out.append(
            FieldChange("state", IncidentChanges(state=changes.state, customer_impact_end=end))
        )
    elif end is not None:
        out.append(FieldChange("customer_impact_end", IncidentChanges(customer_impact_end=end)))
    if changes.commander is not None:
        out.append(FieldChange("commander", IncidentChanges(commander=changes.commander)))
    impacted, scope = changes.customer_impacted, changes.customer_impact_scope
    if impacted is not None or scope is not None:
        impact = IncidentChanges(customer_impacted=impacted, customer_impact_scope=scope)
        out.append(FieldChange("customer_impact", impact))
    out += [FieldChange(f"field:{f.name}", IncidentChanges(fields=(f,))) for f in changes.fields]
    return out


def _joined(parts: Sequence[FieldChange]) -> IncidentChanges:
    values: dict[str, object] = {}
    for part in parts:
        values.update({k: getattr(part.changes, k) for k in part.changes.model_fields_set})
    values["fields"] = tuple(f for part in parts for f in part.changes.fields)
    return IncidentChanges.model_validate(values)


@dataclass(frozen=True)
class Verdict:
    """What a job sends once judged again, and the fields someone else overtook."""

    send: IncidentChanges
    overtaken: tuple[FieldChange, ...] = ()


def rejudge(changes: IncidentChanges, judged: IncidentView, current: IncidentView) -> Verdict:
    """Judge `changes` again on `current` (see the module docstring for the rules).

    E.g. judged at SEV-3, SEV-4 asked, Datadog now SEV-1: severity is overtaken, not sent.
    """
    kept: list[FieldChange] = []
    overtaken: list[FieldChange] = []
    for part in by_field(changes):
        if still_needed(part.changes, current).empty:
            continue
        (overtaken if part.held_by(current) != part.held_by(judged) else kept).append(part)
    return Verdict(still_needed(_joined(kept), current), tuple(overtaken))


def who_set(part: FieldChange, current: IncidentView, jobs: Sequence[UpdateJob]) -> str | None:
    """The Slack user whose update (of `jobs`, newest first) set this field to what
    `current` holds; None when none did (it was changed in Datadog)."""
    for job in jobs:
        for theirs in by_field(job.changes):
            if theirs.key == part.key and still_needed(theirs.changes, current).empty:
                return job.actor_id
    return None


def notice_of(
    part: FieldChange,
    judged: IncidentView,
    current: IncidentView,
    by: str | None,
    org_fields: Sequence[OrgField] = (),
) -> Overtaken:
    """What the person is told about a field not sent, in the thread notes' words."""
    mine = next(iter(describe_update(judged, part.changes, org_fields)), None)
    name = mine.name if mine else part.key
    now = {c.name: c for c in diff(judged, current, org_fields)}.get(name)
    return Overtaken(
        name=name,
        mine=mine.value if mine else "",
        theirs=now.value if now else "",
        by=by,
    )
