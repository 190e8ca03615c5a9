"""An update judged again under the card's lease (pure domain): what is sent, what was
overtaken by someone else's change to the same field, who made it, and what the thread
note names as replaced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.incident.changes import describe_update
from bot.domain.incident.declaration import CustomField
from bot.domain.incident.org import FieldKind, OrgField
from bot.domain.incident.state import IncidentChanges, IncidentView
from bot.domain.lifecycle._plan import by_field, notice_of, rejudge, who_set
from bot.domain.lifecycle.record import Overtaken, UpdateJob

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
REGIONS = OrgField(name="regions", display_name="Regions", kind=FieldKind.MULTISELECT)
JUDGED = IncidentView(
    incident_id="inc-1",
    public_id=1,
    title="Search slow",
    severity="SEV-3",
    fields=(CustomField(name="regions", kind=FieldKind.MULTISELECT, values=("eu", "us")),),
    modified=T0,
)


def later(**values: object) -> IncidentView:
    """Datadog's incident after someone else's change."""
    return JUDGED.model_copy(update={**values, "modified": T0 + timedelta(seconds=1)})


def job(actor: str, changes: IncidentChanges) -> UpdateJob:
    return UpdateJob(
        key=f"up-{actor}", card_key="C:1", incident_id="inc-1", actor_id=actor, changes=changes
    )


def test_a_field_someone_else_changed_meanwhile_is_overtaken_not_sent() -> None:
    mine = IncidentChanges(severity="SEV-4", title="Search slow in EU")
    verdict = rejudge(mine, JUDGED, later(severity="SEV-1"))
    assert verdict.send == IncidentChanges(title="Search slow in EU")
    assert [p.key for p in verdict.overtaken] == ["severity"]


def test_a_field_already_so_is_dropped_silently_and_an_untouched_one_is_sent() -> None:
    verdict = rejudge(IncidentChanges(severity="SEV-1"), JUDGED, later(severity="SEV-1"))
    assert verdict.send.empty and verdict.overtaken == ()
    verdict = rejudge(IncidentChanges(severity="SEV-4"), JUDGED, later(title="Other"))
    assert verdict.send == IncidentChanges(severity="SEV-4") and verdict.overtaken == ()


def test_multi_value_answers_reordered_by_datadog_are_not_a_change() -> None:
    regions = CustomField(name="regions", kind=FieldKind.MULTISELECT, values=("eu", "us", "ap"))
    reordered = (CustomField(name="regions", kind=FieldKind.MULTISELECT, values=("us", "eu")),)
    verdict = rejudge(IncidentChanges(fields=(regions,)), JUDGED, later(fields=reordered))
    assert verdict.send == IncidentChanges(fields=(regions,)) and verdict.overtaken == ()


def test_a_resolve_keeps_its_impact_end_with_its_state() -> None:
    end = T0 + timedelta(minutes=5)
    parts = by_field(IncidentChanges(state="resolved", customer_impact_end=end))
    assert [(p.key, p.changes.customer_impact_end) for p in parts] == [("state", end)]
    verdict = rejudge(parts[0].changes, JUDGED, later(state="stable"))
    assert verdict.send.empty and [p.key for p in verdict.overtaken] == ["state"]


def test_who_set_it_is_the_slack_update_that_set_that_value_else_datadog() -> None:
    (part,) = rejudge(IncidentChanges(severity="SEV-4"), JUDGED, later(severity="SEV-1")).overtaken
    now = later(severity="SEV-1")
    alices = job("UALICE", IncidentChanges(severity="SEV-1"))
    carols = job("UCAROL", IncidentChanges(title="Other"))
    assert who_set(part, now, [carols, alices]) == "UALICE"
    assert who_set(part, now, [carols]) is None
    assert who_set(part, now, [job("UDAVE", IncidentChanges(severity="SEV-2"))]) is None


def test_the_notice_says_what_they_set_and_what_was_not_sent() -> None:
    now = later(severity="SEV-1")
    (part,) = rejudge(IncidentChanges(severity="SEV-4"), JUDGED, now).overtaken
    assert notice_of(part, JUDGED, now, "UALICE") == Overtaken(
        name="severity", mine="SEV-4", theirs="SEV-1", by="UALICE"
    )
    regions = CustomField(name="regions", kind=FieldKind.MULTISELECT, values=("ap",))
    moved = later(fields=(CustomField(name="regions", kind=FieldKind.MULTISELECT, values=()),))
    (part,) = rejudge(IncidentChanges(fields=(regions,)), JUDGED, moved).overtaken
    assert notice_of(part, JUDGED, moved, None, (REGIONS,)) == Overtaken(
        name="Regions", mine="ap", theirs="empty", by=None
    )


def test_the_note_names_the_value_the_patch_replaces() -> None:
    """Judged at SEV-3; the title moved meanwhile; the severity did not: the note's
    "before" is Datadog's incident now, whatever the submit read."""
    now = later(title="Renamed")
    verdict = rejudge(IncidentChanges(title="Mine", severity="SEV-2"), JUDGED, now)
    assert verdict.send == IncidentChanges(severity="SEV-2")
    (line,) = describe_update(now, verdict.send)
    assert line.text == "changed severity SEV-3 → SEV-2"
