"""After a conflict, the next modal is judged against Datadog's current incident."""

from __future__ import annotations

from bot.domain.incident.custom_fields import CustomFieldRef
from bot.domain.incident.declaration import CustomField
from bot.domain.incident.state import IncidentChanges
from bot.domain.lifecycle.rebase import rebase
from bot.domain.lifecycle.update import UpdateField, plan_update
from tests.lifecycle.test_update_rules import BOB, CAROL, ORG_FIELDS, SHOWN, SNAPSHOT, form


def _conflicted(submitted, current):
    plan = plan_update(SNAPSHOT, submitted, current, org_fields=ORG_FIELDS)
    assert plan.conflicts and plan.changes.empty
    return plan


def test_a_second_submit_after_a_conflict_sends_the_persons_other_changes() -> None:
    current = SHOWN.model_copy(update={"severity": "SEV-3", "state": "stable"})
    submitted = form(severity="SEV-1", title="Checkout down (EU)")
    plan = _conflicted(submitted, current)
    snapshot, again = rebase(
        SNAPSHOT, submitted, current, plan.conflicts, current_commander_slack_id="UALICE"
    )
    assert snapshot.incident == current
    assert (again.severity, again.state, again.title) == ("SEV-3", "stable", "Checkout down (EU)")
    retry = plan_update(snapshot, again, current, org_fields=ORG_FIELDS)
    assert retry.ok and retry.changes == IncidentChanges(title="Checkout down (EU)")
    insist = plan_update(
        snapshot, again.model_copy(update={"severity": "SEV-1"}), current, org_fields=ORG_FIELDS
    )
    assert insist.changes == IncidentChanges(title="Checkout down (EU)", severity="SEV-1")


def test_a_kept_commander_change_and_a_conflicting_one() -> None:
    current = SHOWN.model_copy(update={"severity": "SEV-3"})
    submitted = form(severity="SEV-1", commander_slack_id="UBOB", commander=BOB)
    plan = _conflicted(submitted, current)
    snapshot, again = rebase(
        SNAPSHOT, submitted, current, plan.conflicts, current_commander_slack_id="UALICE"
    )
    assert (again.commander_slack_id, again.commander) == ("UBOB", BOB)
    assert plan_update(snapshot, again, current).changes == IncidentChanges(commander=BOB)

    moved = SHOWN.model_copy(update={"commander": CAROL})
    plan = _conflicted(submitted, moved)
    assert UpdateField.COMMANDER in plan.modal_errors()
    snapshot, again = rebase(
        SNAPSHOT, submitted, moved, plan.conflicts, current_commander_slack_id="UCAROL"
    )
    assert (again.commander_slack_id, again.commander) == ("UCAROL", None)
    assert plan_update(snapshot, again, moved).changes == IncidentChanges(severity="SEV-1")


def test_user_defined_fields_and_impact_are_rebased_too() -> None:
    current = SHOWN.model_copy(
        update={
            "fields": (
                CustomField(name="services", kind="autocomplete", values=("search",)),
                SHOWN.fields[1],
            ),
            "customer_impacted": True,
            "customer_impact_scope": "EU",
        }
    )
    submitted = form(
        answers={"services": ("db",), "detection_method": ("customer",)},
    )
    plan = _conflicted(submitted, current)
    assert [c.key for c in plan.conflicts] == [CustomFieldRef("services")]
    snapshot, again = rebase(
        SNAPSHOT,
        submitted,
        current,
        plan.conflicts,
        current_commander_slack_id="UALICE",
        org_fields=ORG_FIELDS,
    )
    assert again.answers == {"services": ("search",), "detection_method": ("customer",)}
    assert (again.customer_impacted, again.impact_scope) == (True, "EU")
    retry = plan_update(snapshot, again, current, org_fields=ORG_FIELDS)
    assert retry.changes == IncidentChanges(
        fields=(CustomField(name="detection_method", kind="dropdown", values=("customer",)),)
    )
