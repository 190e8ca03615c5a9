"""The rules of an update from Slack: what to send, what conflicts, what is invalid.

Three views meet at submit: the snapshot the modal SHOWED, what the person SUBMITTED, and
Datadog's CURRENT incident (fetched at submit). Per field:

- submitted == shown: the person did not touch it; nothing is sent, whatever Datadog holds
  now (so someone else's change to another field survives);
- submitted == current: already so (e.g. two people made the same change); nothing is sent;
- current == shown: a plain change; it is sent;
- otherwise Datadog changed that same field since the modal opened: a `Conflict`.

Choice: when any field conflicts, NOTHING is sent. The person chose a set of changes
together (a severity with its commander); applying part of it would leave an incident
nobody chose. The modal stays open, each conflicting field says what it is now, and the
Slack layer re-bases the modal on `plan.current` (values of conflicting fields replaced by
the current ones, the person's other edits kept), so a second submit is judged against
what Datadog holds now. Validation errors are reported the same way, also with nothing sent.

Only changed fields are validated (an old severity never blocks a title edit). Customer
impact turned on needs a scope: `validate_built_in_fields`'s rule, the same as declaring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.domain.incident.custom_fields import CustomFieldRef, validate_custom
from bot.domain.incident.declaration import (
    SCOPE_MAX,
    SEVERITIES,
    TITLE_MAX,
    CustomField,
    DeclarationForm,
    FormField,
    Origin,
    clean,
    shorten,
    validate_built_in_fields,
)
from bot.domain.incident.org import FieldKind, OrgField
from bot.domain.incident.state import (
    DEFAULT_STATES,
    IncidentChanges,
    IncidentUser,
    IncidentView,
    same_values,
)


class UpdateField(StrEnum):
    """Fields of the update and resolve modals that can carry an error."""

    TITLE = "title"
    SEVERITY = "severity"
    STATE = "state"
    COMMANDER = "commander"
    CUSTOMER_IMPACTED = "customer_impacted"
    IMPACT_SCOPE = "impact_scope"
    IMPACT_END = "impact_end"


ErrorKey = UpdateField | CustomFieldRef

_FROM_DECLARING: dict[FormField, UpdateField] = {
    FormField.TITLE: UpdateField.TITLE,
    FormField.SEVERITY: UpdateField.SEVERITY,
    FormField.COMMANDER: UpdateField.COMMANDER,
    FormField.IMPACT_SCOPE: UpdateField.IMPACT_SCOPE,
}
_NO_ORIGIN = Origin(team_id="-", channel_id="-", user_id="-")
"""`validate_built_in_fields` wants an origin; its rules do not read it."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class UpdateSnapshot(_Frozen):
    """What the update modal showed (kept with the view, e.g. in the store)."""

    incident: IncidentView
    commander_slack_id: str = ""
    """The Slack user the commander field was filled with ("" when none could be found)."""


class UpdateForm(_Frozen):
    """What the update modal said at submit, before validation."""

    title: str = ""
    severity: str = ""
    state: str = ""
    """"" when the modal has no state field: unchanged."""
    commander_slack_id: str = ""
    commander: IncidentUser | None = None
    """The Datadog user for `commander_slack_id`, resolved by the caller (as at declaring)
    when it differs from the snapshot's; None when unchanged or not resolvable."""
    customer_impacted: bool = False
    impact_scope: str = ""
    answers: dict[str, tuple[str, ...]] = {}
    """User-defined fields shown in the modal, raw; fields absent here are left alone."""


@dataclass(frozen=True)
class Conflict:
    """A field the person changed that Datadog also changed since the modal opened."""

    key: ErrorKey
    submitted: str
    current: str

    @property
    def message(self) -> str:
        now = self.current or "empty"
        return (
            f"Changed in Datadog since you opened this form: it is now {now}. "
            "Nothing was saved; check the value and submit again."
        )


@dataclass(frozen=True)
class UpdatePlan:
    """The outcome: changes to send (empty unless `ok`), or why nothing is sent."""

    current: IncidentView
    changes: IncidentChanges = IncidentChanges()
    errors: dict[ErrorKey, str] = field(default_factory=dict)
    conflicts: tuple[Conflict, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts

    def modal_errors(self) -> dict[ErrorKey, str]:
        """One message per field for `response_action="errors"`; validation wins."""
        out: dict[ErrorKey, str] = {c.key: c.message for c in self.conflicts}
        out.update(self.errors)
        return out


def normal_title(text: str) -> str:
    return shorten(" ".join(clean(text).split()), TITLE_MAX)


def _normal_scope(text: str | None) -> str:
    return clean(text).strip()


def _validation_errors(form: UpdateForm, severities: Sequence[str]) -> dict[UpdateField, str]:
    """Errors by field, by declaring's rules (filtered to changed fields by the caller)."""
    result = validate_built_in_fields(
        DeclarationForm(
            title=form.title,
            severity=form.severity,
            commander_id=form.commander_slack_id,
            customer_impacted=form.customer_impacted,
            impact_scope=form.impact_scope,
        ),
        key="update",
        origin=_NO_ORIGIN,
        severities=tuple(severities),
    )
    if not isinstance(result, dict):
        return {}
    return {_FROM_DECLARING[k]: v for k, v in result.items() if k in _FROM_DECLARING}


def touched(snapshot: UpdateSnapshot, form: UpdateForm) -> dict[UpdateField, bool]:
    """Which built-in fields the person changed relative to what the modal showed."""
    shown = snapshot.incident
    return {
        UpdateField.TITLE: normal_title(form.title) != normal_title(shown.title),
        UpdateField.SEVERITY: form.severity != shown.severity,
        UpdateField.STATE: bool(form.state) and form.state != shown.state,
        UpdateField.COMMANDER: form.commander_slack_id != snapshot.commander_slack_id,
        UpdateField.CUSTOMER_IMPACTED: form.customer_impacted != shown.customer_impacted,
        UpdateField.IMPACT_SCOPE: form.customer_impacted
        and _normal_scope(form.impact_scope) != _normal_scope(shown.customer_impact_scope),
    }


def changed_fields(
    org_fields: Sequence[OrgField], form: UpdateForm, shown: IncidentView
) -> tuple[list[tuple[OrgField, CustomField]], dict[CustomFieldRef, str]]:
    """User-defined fields the person changed, typed, and errors for the changed ones."""
    asked = [f for f in org_fields if f.name in form.answers]
    typed, errors = validate_custom(asked, form.answers)
    by_name = {c.name: c for c in typed}
    changed: list[tuple[OrgField, CustomField]] = []
    kept_errors: dict[CustomFieldRef, str] = {}
    for org in asked:
        answer = by_name.get(org.name)
        values = answer.values if answer else ()
        if same_values(values, shown.values_of(org.name), multi=org.multi):
            continue
        ref = CustomFieldRef(org.name)
        if ref in errors:
            kept_errors[ref] = errors[ref]
        elif answer is None and org.kind is FieldKind.DROPDOWN:
            kept_errors[ref] = f"{org.display_name} can't be emptied from Slack; choose a value."
        else:
            changed.append((org, CustomField(name=org.name, kind=org.kind, values=values)))
    return changed, kept_errors


def plan_update(
    snapshot: UpdateSnapshot,
    form: UpdateForm,
    current: IncidentView,
    *,
    org_fields: Sequence[OrgField] = (),
    severities: Sequence[str] = SEVERITIES,
    states: Sequence[str] = DEFAULT_STATES,
) -> UpdatePlan:
    """Decide what an update submit sends (see the module docstring for the rules)."""
    shown = snapshot.incident
    all_errors = _validation_errors(form, severities)
    title = normal_title(form.title)
    scope = shorten(clean(form.impact_scope), SCOPE_MAX)
    changed = touched(snapshot, form)
    needs_scope = changed[UpdateField.CUSTOMER_IMPACTED] or changed[UpdateField.IMPACT_SCOPE]
    errors: dict[ErrorKey, str] = {
        key: message
        for key, message in all_errors.items()
        if changed[key] or (key is UpdateField.IMPACT_SCOPE and needs_scope)
    }
    if changed[UpdateField.STATE] and form.state not in states:
        errors[UpdateField.STATE] = f"Choose one of {', '.join(states)}."
    if changed[UpdateField.COMMANDER] and form.commander_slack_id and form.commander is None:
        errors[UpdateField.COMMANDER] = "This person's Datadog user could not be found."
    custom, custom_errors = changed_fields(org_fields, form, shown)
    for ref, problem in custom_errors.items():
        errors[ref] = problem
    if errors:
        return UpdatePlan(current=current, errors=errors)

    # (key, submitted, shown, current, current as shown) per changed field.
    rows: list[tuple[ErrorKey, object, object, object, str]] = []
    simple = (
        (UpdateField.TITLE, title, shown.title, current.title),
        (UpdateField.SEVERITY, form.severity, shown.severity, current.severity),
        (UpdateField.STATE, form.state, shown.state, current.state),
    )
    rows += [(key, mine, was, now, now) for key, mine, was, now in simple if changed[key]]
    if changed[UpdateField.COMMANDER] and form.commander is not None:
        label = current.commander.label if current.commander else "no commander"
        ids = (form.commander.datadog_id, shown.commander_id, current.commander_id)
        rows.append((UpdateField.COMMANDER, *ids, label))
    if changed[UpdateField.CUSTOMER_IMPACTED]:
        impact = "customers impacted" if current.customer_impacted else "no customer impact"
        flags = (form.customer_impacted, shown.customer_impacted, current.customer_impacted)
        rows.append((UpdateField.CUSTOMER_IMPACTED, *flags, impact))
    if changed[UpdateField.IMPACT_SCOPE]:
        was_scope = _normal_scope(shown.customer_impact_scope)
        now_scope = _normal_scope(current.customer_impact_scope)
        rows.append((UpdateField.IMPACT_SCOPE, scope, was_scope, now_scope, now_scope))
    for org, answer in custom:
        now_values = current.values_of(org.name)
        values = [answer.values, shown.values_of(org.name), now_values]
        keyed = [tuple(sorted(v)) if org.multi else v for v in values]
        label = ", ".join(org.label_of(v) for v in now_values)
        rows.append((CustomFieldRef(org.name), keyed[0], keyed[1], keyed[2], label))

    send: set[ErrorKey] = set()
    conflicts: list[Conflict] = []
    for key, submitted, was, now, now_text in rows:
        if submitted == now:
            continue
        if now != was:
            mine = ", ".join(submitted) if isinstance(submitted, tuple) else str(submitted)
            conflicts.append(Conflict(key=key, submitted=mine, current=now_text))
        else:
            send.add(key)
    if conflicts:
        return UpdatePlan(current=current, conflicts=tuple(conflicts))
    impacted = form.customer_impacted if UpdateField.CUSTOMER_IMPACTED in send else None
    scope_sent = UpdateField.IMPACT_SCOPE in send or (impacted is True)
    changes = IncidentChanges(
        title=title if UpdateField.TITLE in send else None,
        severity=form.severity if UpdateField.SEVERITY in send else None,
        state=form.state if UpdateField.STATE in send else None,
        commander=form.commander if UpdateField.COMMANDER in send else None,
        customer_impacted=impacted,
        customer_impact_scope=scope if scope_sent and scope else None,
        fields=tuple(answer for org, answer in custom if CustomFieldRef(org.name) in send),
    )
    return UpdatePlan(current=current, changes=changes)
