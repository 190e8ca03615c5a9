"""The update modals' private_metadata: signed, bounded by Slack's 3000, and digests of long
texts still tell "unchanged" from "changed"; the modals round-trip through slack_sdk."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.incident.declaration import CustomField
from bot.domain.incident.org import Choice, FieldKind, OrgConfig, OrgField
from bot.domain.incident.state import IncidentChanges, IncidentUser, IncidentView
from bot.domain.lifecycle.runner import still_needed
from bot.slack.lifecycle.update_form import resolve_view, update_modal
from bot.slack.lifecycle.update_metadata import METADATA_MAX, UpdateMeta, decode, fit, restore
from tests.oracles import assert_view_round_trips

VIEW = IncidentView(
    incident_id="i-1",
    public_id=42,
    title="Checkout down",
    severity="SEV-2",
    commander=IncidentUser(datadog_id="dd-bob", display="Bob"),
    customer_impacted=True,
    customer_impact_scope="EU",
)


def test_a_small_snapshot_travels_whole_and_signed() -> None:
    meta, text = fit(UpdateMeta("C1:1.0", VIEW, "U0BOB", {"team": FieldKind.DROPDOWN}))
    assert len(text) <= METADATA_MAX and '"sig":"' in text
    decoded = decode(text)
    assert decoded is not None and decoded.snapshot == VIEW.model_copy(update={"url": None})
    assert decoded.card_key == "C1:1.0" and decoded.kinds == {"team": FieldKind.DROPDOWN}
    assert decode(text.replace("C1:1.0", "C9:9.9")) is None, "a rewritten card key is refused"


def test_a_huge_snapshot_is_squeezed_under_the_limit_and_restored() -> None:
    long = "x" * 2500
    fields = tuple(
        CustomField(name=f"f{i}", kind=FieldKind.TEXTBOX, values=(f"{i}" * 200,)) for i in range(10)
    )
    big = VIEW.model_copy(update={"title": long, "customer_impact_scope": long, "fields": fields})
    kinds = {f.name: FieldKind.TEXTBOX for f in fields}
    meta, text = fit(UpdateMeta("C1:1.0", big, "", kinds))
    assert len(text) <= METADATA_MAX
    decoded = decode(text)
    assert decoded is not None and decoded.snapshot is not None
    answers = {f.name: f.values for f in fields}
    back = restore(decoded.snapshot, long, long, answers, big)
    assert back.title == long and back.customer_impact_scope == long
    assert back.fields == fields or back.fields == ()
    changed = restore(decoded.snapshot, "new title", long, answers, big)
    assert changed.title == long, "the current value matched the digest"
    neither = restore(decoded.snapshot, "new", "new", {}, VIEW)
    assert neither.title != "new" and neither.title != long, "still a digest: counts as changed"


def test_still_needed_drops_what_already_holds() -> None:
    changes = IncidentChanges(
        severity="SEV-1",
        title="Checkout down",
        state="resolved",
        customer_impact_end=datetime(2026, 1, 1, tzinfo=UTC),
    )
    left = still_needed(changes, VIEW)
    assert left.severity == "SEV-1" and left.title is None and left.state == "resolved"
    done = still_needed(changes, VIEW.model_copy(update={"state": "resolved", "severity": "SEV-1"}))
    assert done.empty, "an impact end rides on the resolve; nothing left once resolved"


def test_the_modals_round_trip_through_slack_sdk() -> None:
    config = OrgConfig(
        fields=(
            OrgField(
                "team", "Team", FieldKind.DROPDOWN, choices=(Choice("a", "A"), Choice("b", "B"))
            ),
            OrgField("services", "Services", FieldKind.MULTISELECT, choices=(Choice("x", "X"),)),
            OrgField(
                "state",
                "State",
                FieldKind.DROPDOWN,
                choices=(
                    Choice("active", "Active"),
                    Choice("stable", "Stable"),
                    Choice("resolved", "Resolved"),
                ),
            ),
        )
    )
    incident = VIEW.model_copy(
        update={
            "fields": (CustomField(name="services", kind=FieldKind.MULTISELECT, values=("x",)),)
        }
    )
    view = update_modal(
        "C1:1.0", incident, "U0BOB", config, notes={"severity": "Changed in Datadog"}
    )
    assert_view_round_trips(view)
    ids = [b.get("block_id") for b in view["blocks"]]
    assert "udf:team" in ids and "udf:services" in ids and "udf:state" not in ids
    _, text = fit(UpdateMeta("C1:1.0"))
    assert_view_round_trips(resolve_view(text, VIEW, now=datetime.now(UTC)))
