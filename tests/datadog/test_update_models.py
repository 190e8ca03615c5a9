"""PATCH bodies (oracle: the official client's IncidentUpdateRequest) and lenient incident reads."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from datadog_api_client.v2.model.incident_update_request import (
    IncidentUpdateRequest as OfficialUpdateRequest,
)

from bot.datadog.sites import incident_url
from bot.datadog.update_models import (
    IncidentParseError,
    IncidentUpdateRequest,
    incident_view,
    search_views,
    update_request,
)
from bot.domain.incident.declaration import CustomField
from bot.domain.incident.state import IncidentChanges, IncidentUser, IncidentView
from bot.domain.lifecycle.resolve import ResolveForm, plan_resolve
from bot.domain.lifecycle.update import UpdateForm, UpdateSnapshot, plan_update
from tests.conftest import shared_path
from tests.oracles import model_error  # the emulator's oracle check, re-exported there

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
BOB = IncidentUser(datadog_id="dd-bob", display="Bob")


def assert_datadog_update_body(body: dict[str, Any]) -> None:
    """Deserializes with the official model (no unparsed oneOf), and has no null anywhere."""
    error = model_error(body, OfficialUpdateRequest)
    assert error is None, error
    assert "null" not in json.dumps(body)


CASES: list[tuple[IncidentChanges, dict[str, Any]]] = [
    (IncidentChanges(), {}),
    (
        IncidentChanges(severity="SEV-1"),
        {"attributes": {"fields": {"severity": {"type": "dropdown", "value": "SEV-1"}}}},
    ),
    (
        IncidentChanges(state="resolved", customer_impact_end=T0),
        {
            "attributes": {
                "customer_impact_end": "2026-01-01T12:00:00Z",
                "fields": {"state": {"type": "dropdown", "value": "resolved"}},
            }
        },
    ),
    (
        IncidentChanges(title="New & <b>", customer_impacted=True, customer_impact_scope="EU"),
        {
            "attributes": {
                "title": "New & <b>",
                "customer_impacted": True,
                "customer_impact_scope": "EU",
            }
        },
    ),
    (
        IncidentChanges(customer_impacted=False),
        {"attributes": {"customer_impacted": False}},
    ),
    (
        IncidentChanges(commander=BOB),
        {"relationships": {"commander_user": {"data": {"type": "users", "id": "dd-bob"}}}},
    ),
    (
        IncidentChanges(
            fields=(
                CustomField(name="services", kind="autocomplete", values=("a", "b")),
                CustomField(name="teams", kind="multiselect", values=()),
                CustomField(name="root_cause", kind="textbox", values=("db",)),
                CustomField(name="summary", kind="textbox", values=()),
                CustomField(name="detection_method", kind="dropdown", values=("monitor",)),
                CustomField(name="loss_usd", kind="number", values=("42.5",)),
            )
        ),
        {
            "attributes": {
                "fields": {
                    "services": {"type": "autocomplete", "value": ["a", "b"]},
                    "teams": {"type": "multiselect", "value": []},
                    "root_cause": {"type": "textbox", "value": "db"},
                    "summary": {"type": "textbox", "value": ""},
                    "detection_method": {"type": "dropdown", "value": "monitor"},
                    "loss_usd": {"type": "textbox", "value": "42.5"},
                }
            }
        },
    ),
]


@pytest.mark.parametrize(("changes", "expected"), CASES)
def test_patch_bodies_carry_only_the_changes(changes, expected) -> None:
    body = update_request("inc-1", changes).to_wire()
    assert body == {"data": {"type": "incidents", "id": "inc-1", **expected}}
    assert_datadog_update_body(body)


def test_a_naive_impact_end_is_sent_as_utc() -> None:
    body = update_request("i", IncidentChanges(customer_impact_end=datetime(2026, 1, 1))).to_wire()
    assert body["data"]["attributes"]["customer_impact_end"] == "2026-01-01T00:00:00Z"
    assert_datadog_update_body(body)


def test_bodies_built_from_the_domain_rules_pass_the_oracle() -> None:
    shown = IncidentView(incident_id="inc-9", public_id=9, title="t", severity="SEV-3")
    snapshot = UpdateSnapshot(incident=shown, commander_slack_id="")
    form = UpdateForm(
        title="t2",
        severity="SEV-1",
        state="stable",
        commander_slack_id="UBOB",
        commander=BOB,
        customer_impacted=True,
        impact_scope="all",
    )
    plan = plan_update(snapshot, form, shown)
    assert plan.ok
    body = update_request(shown.incident_id, plan.changes).to_wire()
    assert_datadog_update_body(body)
    assert body["data"]["attributes"]["fields"] == {
        "severity": {"type": "dropdown", "value": "SEV-1"},
        "state": {"type": "dropdown", "value": "stable"},
    }
    impacted = shown.model_copy(update={"customer_impacted": True})
    resolve = plan_resolve(impacted, ResolveForm(note="ok"), now=T0)
    assert_datadog_update_body(update_request("inc-9", resolve.changes).to_wire())


def _recorded(name: str) -> list[dict[str, Any]]:
    recording = yaml.safe_load(shared_path("datadog", "cassettes", name).read_text())
    return list(recording["interactions"])


def _incident_bodies(name: str) -> list[tuple[str, dict[str, Any] | None, dict[str, Any]]]:
    """(method, request body, response body) of every incident GET/PATCH/POST recorded."""
    out = []
    for interaction in _recorded(name):
        request, response = interaction["request"], interaction["response"]
        path = re.sub(r"^https://[^/]+", "", request["uri"]).split("?")[0]
        text = (response.get("body") or {}).get("string") or ""
        if re.fullmatch(r"/api/v2/incidents(/[0-9a-f-]+)?", path) and text.strip():
            sent = json.loads(request["body"]) if request.get("body") else None
            out.append((request["method"], sent, json.loads(text)))
    return out


RECORDED = (
    "test_get_the_details_of_an_incident_returns_ok_response.yaml",
    "test_update_an_existing_incident_returns_ok_response.yaml",
    "test_add_commander_to_an_incident_returns_ok_response.yaml",
    "test_create_an_incident_returns_created_response.yaml",
    "test_search_for_incidents_returns_ok_response.yaml",
)


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_incidents_parse_into_views(name: str) -> None:
    bodies = [b for b in _incident_bodies(name) if isinstance(b[2].get("data"), dict)]
    assert bodies, f"{name}: no incident body recorded"
    for _method, _sent, body in bodies:
        view = incident_view(body, lambda n: incident_url("datadoghq.com", n))
        assert view.public_id > 0 and view.title
        assert view.url == f"https://app.datadoghq.com/incidents/{view.public_id}"
        assert view.modified is not None and view.modified.tzinfo is not None
        assert all(f.name not in ("severity", "state") for f in view.fields)


def test_recorded_patch_requests_match_our_model_and_the_oracle() -> None:
    patches = [
        sent
        for name in RECORDED[1:3]
        for method, sent, _ in _incident_bodies(name)
        if method == "PATCH" and sent
    ]
    assert len(patches) == 2
    for sent in patches:
        assert IncidentUpdateRequest.model_validate(sent).to_wire() == sent
        assert_datadog_update_body(sent)


def test_recorded_update_reads_state_title_and_who() -> None:
    name = "test_update_an_existing_incident_returns_ok_response.yaml"
    _, _, body = next(b for b in _incident_bodies(name) if b[0] == "PATCH")
    view = incident_view(body)
    assert view.state == "resolved" and view.resolved
    assert view.title.endswith("-updated")
    assert view.last_modified_by == IncidentUser(
        datadog_id="3ad549bf-eba0-11e9-a77a-0705486660d0",
        display="frog",
        email="frog@datadoghq.com",
    )
    assert view.values_of("slug") == ("IR-338027",)
    assert view.values_of("teams") == ()
    assert view.modified == datetime(2026, 2, 23, 14, 7, 14, 40951, tzinfo=UTC)


def test_recorded_commander_comes_from_attributes_when_the_relationship_says_null() -> None:
    name = "test_add_commander_to_an_incident_returns_ok_response.yaml"
    _, _, body = next(b for b in _incident_bodies(name) if b[0] == "PATCH")
    assert body["data"]["relationships"]["commander_user"]["data"] is None
    view = incident_view(body)
    assert view.commander is not None
    assert view.commander.datadog_id == "0a671397-1bda-468b-9087-8aa191057af8"
    assert view.commander.display.startswith("test-add_commander")  # name is null: the handle


def test_recorded_search_gives_every_hit() -> None:
    name = "test_search_for_incidents_returns_ok_response.yaml"
    search = next(b for m, _, b in _search_bodies(name))
    views = search_views(search)
    assert len(views) == search["data"]["attributes"]["total"]
    assert {v.state for v in views} <= {"active", "stable", "resolved"}


def _search_bodies(name: str):
    for interaction in _recorded(name):
        if "/incidents/search" in interaction["request"]["uri"]:
            body = json.loads(interaction["response"]["body"]["string"])
            yield interaction["request"]["method"], None, body


def test_lenient_reads_of_odd_bodies() -> None:
    body = {
        "data": {
            "id": "inc-2",
            "type": "incidents",
            "attributes": {
                "public_id": 2,
                "title": None,
                "severity": None,
                "state": None,
                "customer_impacted": None,
                "customer_impact_end": "not a date",
                "modified": "2026-01-01T12:00:00Z",
                "fields": {
                    "severity": {"type": "dropdown", "value": "SEV-4"},
                    "state": {"type": "dropdown", "value": "stable"},
                    "weird": {"type": "newkind", "value": ["x", None]},
                    "broken": "not an object",
                },
                "surprise": {"nested": [1, 2]},
            },
            "relationships": {
                "commander_user": {"data": {"type": "users", "id": "u-1"}},
                "last_modified_by_user": {"data": None},
            },
        },
        "included": [{"type": "users", "id": "u-1", "attributes": {"name": None, "email": "a@x"}}],
    }
    view = incident_view(body)
    assert (view.severity, view.state, view.title) == ("SEV-4", "stable", "")
    assert view.customer_impact_end is None and view.modified == T0
    assert view.commander == IncidentUser(datadog_id="u-1", display="a@x", email="a@x")
    assert view.last_modified_by is None
    assert view.fields == (CustomField(name="weird", kind="multiselect", values=("x",)),)


@pytest.mark.parametrize(
    "body",
    [{}, {"data": None}, {"data": {"type": "incidents"}}, {"data": {"id": "x", "attributes": {}}}],
)
def test_bodies_that_are_not_incidents_are_refused(body) -> None:
    with pytest.raises(IncidentParseError):
        incident_view(body)
    assert search_views({"data": {"attributes": {"incidents": [body, "junk"]}}}) == []


def test_a_snapshot_survives_storage_as_json() -> None:
    """The modal's snapshot is kept between open and submit (store or private_metadata)."""
    name = "test_add_commander_to_an_incident_returns_ok_response.yaml"
    _, _, body = next(b for b in _incident_bodies(name) if b[0] == "PATCH")
    snapshot = UpdateSnapshot(incident=incident_view(body), commander_slack_id="UALICE")
    assert snapshot.incident.responder_ids, "read from Datadog's responders relationship"
    kept = snapshot.incident.model_copy(update={"responder_ids": ()})  # read fresh, never kept
    restored = UpdateSnapshot.model_validate_json(snapshot.model_dump_json())
    assert restored == snapshot.model_copy(update={"incident": kept})
