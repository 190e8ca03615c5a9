"""What an update job still has to send, judged again under the card's lease.

Two people pressing Update for the same change, a redelivery stored under another key, or
a resumed job: each drops what Datadog (or the card, when it saw a newer version) already
holds, so one change gives one PATCH effect and one thread note.
"""

from __future__ import annotations

from typing import TypeVar

from bot.domain.incident_state import IncidentChanges, IncidentView, same_values
from bot.domain.org import MULTI_VALUE_KINDS

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
