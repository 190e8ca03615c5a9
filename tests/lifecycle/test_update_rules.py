"""The update, resolve and reopen rules, and the change lines they produce (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.incident.changes import describe_update, external_update
from bot.domain.incident.custom_fields import CustomFieldRef
from bot.domain.incident.declaration import CustomField
from bot.domain.incident.org import Choice, FieldKind, OrgField
from bot.domain.incident.state import OPEN_STATES, IncidentChanges, IncidentUser, IncidentView
from bot.domain.lifecycle.resolve import NOTE_MAX, ResolveForm, plan_reopen, plan_resolve
from bot.domain.lifecycle.update import UpdateField, UpdateForm, UpdateSnapshot, plan_update

ALICE = IncidentUser(datadog_id="dd-alice", display="Alice")
BOB = IncidentUser(datadog_id="dd-bob", display="Bob")
CAROL = IncidentUser(datadog_id="dd-carol", display="Carol")
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
_MIN = timedelta(minutes=1)
SERVICES = OrgField(name="services", display_name="Services", kind=FieldKind.AUTOCOMPLETE)
DETECTION = OrgField(
    name="detection_method",
    display_name="Detection",
    kind=FieldKind.DROPDOWN,
    choices=(
        Choice("monitor", "Monitor"),
        Choice("customer", "Customer"),
        Choice("other", "Other"),
    ),
)
ORG_FIELDS = (SERVICES, DETECTION)

SHOWN = IncidentView(
    incident_id="inc-1",
    public_id=7,
    title="Checkout down",
    severity="SEV-2",
    state="active",
    commander=ALICE,
    fields=(
        CustomField(name="services", kind="autocomplete", values=("checkout", "payments")),
        CustomField(name="detection_method", kind="dropdown", values=("monitor",)),
    ),
    modified=T0,
)
SNAPSHOT = UpdateSnapshot(incident=SHOWN, commander_slack_id="UALICE")


def form(**changes: object) -> UpdateForm:
    """The form exactly as the modal showed it, with `changes` applied."""
    base = UpdateForm(
        title=SHOWN.title,
        severity=SHOWN.severity,
        state=SHOWN.state,
        commander_slack_id="UALICE",
        customer_impacted=False,
        answers={"services": ("checkout\npayments",), "detection_method": ("monitor",)},
    )
    return base.model_copy(update=changes)


def plan(submitted: UpdateForm, current: IncidentView = SHOWN):
    return plan_update(SNAPSHOT, submitted, current, org_fields=ORG_FIELDS)


def test_nothing_touched_sends_nothing() -> None:
    result = plan(form())
    assert result.ok and result.changes.empty


def test_only_the_changed_field_is_sent() -> None:
    result = plan(form(severity="SEV-1"))
    assert result.ok
    assert result.changes == IncidentChanges(severity="SEV-1")


def test_a_change_made_meanwhile_to_another_field_survives() -> None:
    current = SHOWN.model_copy(update={"title": "Checkout down in EU", "modified": T0 + _MIN})
    result = plan(form(severity="SEV-1"), current)
    assert result.changes == IncidentChanges(severity="SEV-1")
    assert result.changes.title is None


def test_the_same_field_changed_in_datadog_is_a_conflict_and_nothing_is_sent() -> None:
    current = SHOWN.model_copy(update={"severity": "SEV-3", "title": "renamed"})
    result = plan(form(severity="SEV-1", state="stable"), current)
    assert not result.ok
    assert result.changes.empty
    [conflict] = result.conflicts
    assert conflict.key is UpdateField.SEVERITY
    assert conflict.current == "SEV-3" and conflict.submitted == "SEV-1"
    assert "it is now SEV-3" in result.modal_errors()[UpdateField.SEVERITY]
    assert result.current is current


def test_the_same_change_on_both_sides_is_no_conflict_and_not_resent() -> None:
    current = SHOWN.model_copy(update={"severity": "SEV-1"})
    result = plan(form(severity="SEV-1", title="Checkout down!"), current)
    assert result.ok
    assert result.changes == IncidentChanges(title="Checkout down!")


def test_whitespace_and_overlong_unchanged_titles_are_not_changes() -> None:
    long = SHOWN.model_copy(update={"title": "x" * 400})
    snapshot = UpdateSnapshot(incident=long, commander_slack_id="UALICE")
    result = plan_update(snapshot, form(title="  " + "x" * 400 + " "), long)
    assert result.ok and result.changes.empty


def test_empty_title_is_refused_when_changed() -> None:
    result = plan(form(title="   "))
    assert UpdateField.TITLE in result.errors and result.changes.empty


def test_an_unlisted_severity_left_alone_does_not_block_other_edits() -> None:
    old = SHOWN.model_copy(update={"severity": "P1"})
    snapshot = UpdateSnapshot(incident=old, commander_slack_id="UALICE")
    result = plan_update(snapshot, form(severity="P1", title="New"), old)
    assert result.ok and result.changes == IncidentChanges(title="New")
    refused = plan_update(snapshot, form(severity="P9"), old)
    assert UpdateField.SEVERITY in refused.errors


def test_customer_impact_on_needs_a_scope_like_declaring() -> None:
    refused = plan(form(customer_impacted=True, impact_scope="  "))
    assert "describe who is affected" in refused.errors[UpdateField.IMPACT_SCOPE]
    result = plan(form(customer_impacted=True, impact_scope="EU checkout fails"))
    assert result.changes == IncidentChanges(
        customer_impacted=True, customer_impact_scope="EU checkout fails"
    )


def test_customer_impact_off_sends_only_the_flag() -> None:
    impacted = SHOWN.model_copy(update={"customer_impacted": True, "customer_impact_scope": "EU"})
    snapshot = UpdateSnapshot(incident=impacted, commander_slack_id="UALICE")
    result = plan_update(snapshot, form(customer_impacted=False, impact_scope="EU"), impacted)
    assert result.changes == IncidentChanges(customer_impacted=False)


def test_scope_edited_while_impacted_sends_the_scope_alone() -> None:
    impacted = SHOWN.model_copy(update={"customer_impacted": True, "customer_impact_scope": "EU"})
    snapshot = UpdateSnapshot(incident=impacted, commander_slack_id="UALICE")
    result = plan_update(snapshot, form(customer_impacted=True, impact_scope="EU + US"), impacted)
    assert result.changes == IncidentChanges(customer_impact_scope="EU + US")


def test_commander_change_needs_the_resolved_datadog_user() -> None:
    result = plan(form(commander_slack_id="UBOB", commander=BOB))
    assert result.changes == IncidentChanges(commander=BOB)
    unresolved = plan(form(commander_slack_id="UBOB"))
    assert UpdateField.COMMANDER in unresolved.errors
    cleared = plan(form(commander_slack_id=""))
    assert UpdateField.COMMANDER in cleared.errors


def test_commander_changed_in_datadog_meanwhile_is_a_conflict() -> None:
    current = SHOWN.model_copy(update={"commander": CAROL})
    result = plan(form(commander_slack_id="UBOB", commander=BOB), current)
    assert [c.key for c in result.conflicts] == [UpdateField.COMMANDER]
    assert result.conflicts[0].current == "Carol"


def test_state_must_be_one_of_the_org_states() -> None:
    assert plan(form(state="stable")).changes == IncidentChanges(state="stable")
    assert UpdateField.STATE in plan(form(state="exploded")).errors
    assert plan(form(state="")).changes.empty


def test_multi_value_fields_compare_without_order() -> None:
    result = plan(form(answers={"services": ("payments\ncheckout",)}))
    assert result.ok and result.changes.empty


def test_user_defined_fields_changed_checked_and_cleared() -> None:
    changed = plan(form(answers={"detection_method": ("customer",), "services": ("checkout",)}))
    assert changed.changes.fields == (
        CustomField(name="services", kind="autocomplete", values=("checkout",)),
        CustomField(name="detection_method", kind="dropdown", values=("customer",)),
    )
    bad = plan(form(answers={"detection_method": ("psychic",)}))
    assert CustomFieldRef("detection_method") in bad.errors
    cleared = plan(form(answers={"services": ()}))
    assert cleared.changes.fields == (CustomField(name="services", kind="autocomplete", values=()),)
    emptied = plan(form(answers={"detection_method": ()}))
    assert "can't be emptied" in emptied.errors[CustomFieldRef("detection_method")]
    assert plan(form(answers={})).changes.empty


def test_user_defined_field_changed_in_datadog_survives_or_conflicts() -> None:
    current = SHOWN.model_copy(
        update={
            "fields": (
                SHOWN.fields[0],
                CustomField(name="detection_method", kind="dropdown", values=("customer",)),
            )
        }
    )
    other_edit = plan(
        form(answers={"services": ("db",), "detection_method": ("monitor",)}), current
    )
    assert other_edit.changes.fields == (
        CustomField(name="services", kind="autocomplete", values=("db",)),
    )
    clash = plan(form(answers={"detection_method": ("other",)}), current)
    [conflict] = clash.conflicts
    assert conflict.key == CustomFieldRef("detection_method") and conflict.current == "Customer"
    assert clash.changes.empty


def test_resolve_sets_state_and_impact_end_when_customers_were_impacted() -> None:
    plain = plan_resolve(SHOWN, ResolveForm(note="  db failover\x07 done "), now=T0)
    assert plain.changes == IncidentChanges(state="resolved")
    assert plain.note == "db failover done"
    impacted = SHOWN.model_copy(update={"customer_impacted": True, "customer_impact_scope": "EU"})
    default = plan_resolve(impacted, ResolveForm(), now=T0)
    assert default.changes == IncidentChanges(state="resolved", customer_impact_end=T0)
    naive = datetime(2026, 1, 1, 11, 30)
    given = plan_resolve(impacted, ResolveForm(impact_end=naive), now=T0)
    assert given.changes.customer_impact_end == naive.replace(tzinfo=UTC)
    future = plan_resolve(impacted, ResolveForm(impact_end=T0 + timedelta(hours=1)), now=T0)
    assert UpdateField.IMPACT_END in future.errors and future.changes.empty


def test_resolve_twice_sends_once_and_note_is_bounded() -> None:
    resolved = SHOWN.model_copy(update={"state": "resolved"})
    again = plan_resolve(resolved, ResolveForm(note="x"), now=T0)
    assert again.already and again.changes.empty and again.ok
    long = plan_resolve(SHOWN, ResolveForm(note="n" * 5000), now=T0)
    assert long.note is not None and len(long.note) == NOTE_MAX


def test_reopen_goes_back_to_active_only_from_closed_states() -> None:
    assert plan_reopen(SHOWN.model_copy(update={"state": "completed"})).state == "active"
    assert plan_reopen(SHOWN).empty
    assert not any(SHOWN.model_copy(update={"state": s}).resolved for s in OPEN_STATES)


def test_change_lines_read_as_the_issue_shows_them() -> None:
    changes = IncidentChanges(
        severity="SEV-1",
        title="Checkout & payments down",
        commander=BOB,
        customer_impacted=True,
        customer_impact_scope="EU",
        fields=(CustomField(name="detection_method", kind="dropdown", values=("customer",)),),
    )
    lines = [c.text for c in describe_update(SHOWN, changes, ORG_FIELDS)]
    assert lines == [
        "changed the title “Checkout down” → “Checkout & payments down”",
        "changed severity SEV-2 → SEV-1",
        "changed the commander Alice → Bob",
        "marked customers as impacted: EU",
        "changed Detection Monitor → Customer",
    ]


def test_resolve_and_reopen_lines() -> None:
    impacted = SHOWN.model_copy(update={"customer_impacted": True, "customer_impact_scope": "EU"})
    resolve = plan_resolve(impacted, ResolveForm(note="rolled back"), now=T0)
    lines = [c.text for c in describe_update(impacted, resolve.changes, note=resolve.note)]
    assert lines == [
        "resolved the incident: rolled back",
        "set the customer impact end to 2026-01-01 12:00 UTC",
    ]
    resolved = impacted.apply(resolve.changes)
    assert [c.text for c in describe_update(resolved, plan_reopen(resolved))] == [
        "reopened the incident (active)"
    ]


def test_set_and_cleared_values_read_naturally() -> None:
    nobody = SHOWN.model_copy(update={"commander": None})
    assert describe_update(nobody, IncidentChanges(commander=BOB))[0].text == (
        "set the commander to Bob"
    )
    cleared = IncidentChanges(
        fields=(CustomField(name="services", kind="autocomplete", values=()),)
    )
    assert describe_update(SHOWN, cleared, ORG_FIELDS)[0].text == (
        "cleared Services (was checkout, payments)"
    )


def test_changes_made_in_datadog_say_who_when_modified_moved() -> None:
    moved = {"modified": T0 + _MIN, "last_modified_by": BOB}
    after = SHOWN.model_copy(update={"severity": "SEV-1", "state": "stable", **moved})
    update = external_update(SHOWN, after)
    assert update is not None and update.by == BOB
    assert update.lines == ("changed severity SEV-2 → SEV-1", "changed state active → stable")
    same_time = after.model_copy(update={"modified": T0})
    assert external_update(SHOWN, same_time).by is None  # type: ignore[union-attr]
    assert external_update(SHOWN, SHOWN.model_copy(update=moved)) is None


def test_apply_merges_like_datadog() -> None:
    root_cause = CustomField(name="root_cause", kind="textbox", values=("db",))
    after = SHOWN.apply(IncidentChanges(fields=(root_cause,)))
    assert after.values_of("services") == ("checkout", "payments")
    assert after.values_of("root_cause") == ("db",)
    assert after.severity == SHOWN.severity and after.title == SHOWN.title
