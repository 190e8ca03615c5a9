"""After a conflict: the update modal to show next, judged against Datadog's current incident.

Without this, a second submit would be compared with the old snapshot and conflict again.
The next modal's snapshot is `current`; its values are the person's where they changed a
field that did not conflict (so their work is kept and still counts as a change), and the
current value everywhere else: conflicting fields show what Datadog holds now, untouched
fields show it too (so they are not mistaken for changes on the next submit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.domain.incident.custom_fields import CustomFieldRef
from bot.domain.incident.org import OrgField
from bot.domain.incident.state import IncidentView
from bot.domain.lifecycle.update import (
    Conflict,
    ErrorKey,
    UpdateField,
    UpdateForm,
    UpdateSnapshot,
    changed_fields,
    touched,
)


def rebase(
    snapshot: UpdateSnapshot,
    form: UpdateForm,
    current: IncidentView,
    conflicts: Iterable[Conflict],
    *,
    current_commander_slack_id: str = "",
    org_fields: Sequence[OrgField] = (),
) -> tuple[UpdateSnapshot, UpdateForm]:
    """The snapshot and form values for the modal shown after `conflicts`.

    `current_commander_slack_id` is the Slack user of Datadog's current commander, when the
    caller could find one (as when the modal first opened).
    """
    clashed: set[ErrorKey] = {c.key for c in conflicts}
    changed = touched(snapshot, form)

    def keep(key: UpdateField) -> bool:
        return changed[key] and key not in clashed

    keep_commander = keep(UpdateField.COMMANDER)
    keep_scope = keep(UpdateField.IMPACT_SCOPE) or (
        keep(UpdateField.CUSTOMER_IMPACTED) and form.customer_impacted
    )
    custom, _ = changed_fields(org_fields, form, snapshot.incident)
    kept_answers = {org.name for org, _ in custom if CustomFieldRef(org.name) not in clashed}
    answers = {
        name: raw if name in kept_answers else current.values_of(name)
        for name, raw in form.answers.items()
    }
    next_form = UpdateForm(
        title=form.title if keep(UpdateField.TITLE) else current.title,
        severity=form.severity if keep(UpdateField.SEVERITY) else current.severity,
        state=(form.state if keep(UpdateField.STATE) else current.state) if form.state else "",
        commander_slack_id=(
            form.commander_slack_id if keep_commander else current_commander_slack_id
        ),
        commander=form.commander if keep_commander else None,
        customer_impacted=(
            form.customer_impacted
            if keep(UpdateField.CUSTOMER_IMPACTED)
            else current.customer_impacted
        ),
        impact_scope=form.impact_scope if keep_scope else current.customer_impact_scope or "",
        answers=answers,
    )
    next_snapshot = UpdateSnapshot(incident=current, commander_slack_id=current_commander_slack_id)
    return next_snapshot, next_form
