"""The JSON:API models: the seed's example bodies, the oracle, and real recordings."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from pydantic import ValidationError

from bot.datadog.models import (
    IncidentCreateRequest,
    IncidentListResponse,
    IncidentResponse,
    IncidentSearchResponse,
    MarkdownCell,
    MarkdownContent,
    UserResponse,
    UsersResponse,
)
from tests.conftest import shared_path
from tests.oracles import assert_datadog_create_body
from tests.seed import SEED_201_BODY, SEED_CREATE_BODY


def test_seed_create_body_round_trips_unchanged() -> None:
    request = IncidentCreateRequest.model_validate(SEED_CREATE_BODY)
    assert request.to_wire() == SEED_CREATE_BODY
    assert_datadog_create_body(request.to_wire())


def test_no_nones_on_the_wire() -> None:
    body = {
        "data": {
            "type": "incidents",
            "attributes": {"title": "t", "customer_impacted": False},
        }
    }
    wire = IncidentCreateRequest.model_validate(body).to_wire()
    assert wire == body
    assert "null" not in json.dumps(wire)
    cell = MarkdownCell(content=MarkdownContent(content="x")).model_dump(
        mode="json", exclude_none=True
    )
    assert cell == {"cell_type": "markdown", "content": {"content": "x"}}


def test_fields_take_single_and_multiple_values() -> None:
    body = json.loads(json.dumps(SEED_CREATE_BODY))
    body["data"]["attributes"]["fields"] = {
        "severity": {"type": "dropdown", "value": "SEV-1"},
        "services": {"type": "autocomplete", "value": ["checkout", "payments"]},
        "summary": {"type": "textbox", "value": "db"},
        "teams": {"type": "multiselect", "value": ["sre"]},
    }
    assert IncidentCreateRequest.model_validate(body).to_wire() == body
    assert_datadog_create_body(body)
    body["data"]["attributes"]["fields"]["severity"] = {"type": "dropdown", "value": ["SEV-1"]}
    with pytest.raises(ValidationError):
        IncidentCreateRequest.model_validate(body)
    body["data"]["attributes"]["fields"]["severity"] = {"type": "bogus", "value": "x"}
    with pytest.raises(ValidationError):
        IncidentCreateRequest.model_validate(body)


def test_seed_201_example_parses_leniently() -> None:
    response = IncidentResponse.model_validate(SEED_201_BODY)
    assert response.data.attributes.public_id == 1
    assert response.data.attributes.title == "A test incident title"


CASSETTES = (
    "test_create_an_incident_returns_created_response.yaml",
    "test_get_the_details_of_an_incident_returns_ok_response.yaml",
    "test_update_an_existing_incident_returns_ok_response.yaml",
    "test_add_commander_to_an_incident_returns_ok_response.yaml",
    "test_create_an_incident_todo_returns_created_response.yaml",
    "test_get_a_list_of_incidents_returns_ok_response.yaml",
    "test_search_for_incidents_returns_ok_response.yaml",
    "test_list_all_users_returns_ok_response.yaml",
    "test_get_user_details_returns_ok_response.yaml",
)


def _model_for(method: str, path: str) -> type | None:
    if path == "/api/v2/incidents/search":
        return IncidentSearchResponse
    if path == "/api/v2/incidents":
        return IncidentResponse if method == "POST" else IncidentListResponse
    if re.fullmatch(r"/api/v2/incidents/[^/]+", path):
        return IncidentResponse
    if path == "/api/v2/users":
        return UserResponse if method == "POST" else UsersResponse
    if re.fullmatch(r"/api/v2/users/[^/]+", path):
        return UserResponse
    return None


@pytest.mark.parametrize("name", CASSETTES)
def test_recorded_responses_parse(name: str) -> None:
    """Every recorded incident and user body parses: undocumented keys and nulls included."""
    recording = yaml.safe_load(shared_path("datadog", "cassettes", name).read_text())
    parsed = 0
    for interaction in recording["interactions"]:
        request, response = interaction["request"], interaction["response"]
        path = re.sub(r"^https://[^/]+", "", request["uri"]).split("?")[0]
        model = _model_for(request["method"], path)
        text = (response.get("body") or {}).get("string") or ""
        if model is None or response["status"]["code"] >= 300 or not text.strip():
            continue
        model.model_validate(json.loads(text))
        parsed += 1
    assert parsed >= 1, f"{name}: no incident or user body found"


def test_recorded_create_response_gives_public_id_and_commander() -> None:
    recording = yaml.safe_load(
        shared_path(
            "datadog", "cassettes", "test_create_an_incident_returns_created_response.yaml"
        ).read_text()
    )
    create = next(
        i for i in recording["interactions"] if i["request"]["uri"].endswith("/api/v2/incidents")
    )
    response = IncidentResponse.model_validate(json.loads(create["response"]["body"]["string"]))
    assert response.data.attributes.public_id == 338014
    assert response.data.attributes.fields is not None
    assert response.data.attributes.fields["slug"]["value"] == "IR-338014"
