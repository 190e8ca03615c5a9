"""The Datadog emulator's teams and pages, over raw HTTP: Datadog's shapes, checks, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from datadog_api_client.v2.model.incident_page_uuid_response import IncidentPageUUIDResponse
from datadog_api_client.v2.model.teams_response import TeamsResponse

from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error
from tests.seed import SEED_CREATE_BODY


@pytest.fixture
def incident(emu: DatadogEmulator, http: httpx.Client) -> str:
    sent: dict[str, Any] = json.loads(json.dumps(SEED_CREATE_BODY))
    sent["data"]["relationships"]["commander_user"]["data"]["id"] = emu.owner_id
    sent["data"]["attributes"]["incident_type_uuid"] = emu.default_type_id
    answer = http.post("/api/v2/incidents", json=sent)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["data"]["id"])


def body(target: dict[str, str] | None, **extra: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {"title": "Checkout down", **extra}
    if target is not None:
        attributes["target"] = target
    return {"data": {"type": "page", "attributes": attributes}}


def test_teams_are_the_official_model_and_page_like_datadog(
    emu: DatadogEmulator, http: httpx.Client
) -> None:
    for n in range(3):
        emu.add_team(f"team-{n}")
    first = http.get("/api/v2/team", params={"page[size]": 2}).json()
    assert model_error(first, TeamsResponse) is None
    assert [t["attributes"]["handle"] for t in first["data"]] == ["team-0", "team-1"]
    assert first["meta"]["pagination"]["total"] == 3
    second = http.get("/api/v2/team", params={"page[size]": 2, "page[number]": 1}).json()
    assert [t["attributes"]["handle"] for t in second["data"]] == ["team-2"]


def test_a_page_answers_the_official_model(
    emu: DatadogEmulator, http: httpx.Client, incident: str
) -> None:
    emu.add_team("db")
    answer = http.post(
        f"/api/v2/incidents/{incident}/page",
        json=body({"type": "team_handle", "identifier": "db"}, tags=["service:db"]),
    )
    assert answer.status_code == 201
    assert model_error(answer.json(), IncidentPageUUIDResponse) is None
    assert emu.sent_pages()[0]["attributes"]["tags"] == ["service:db"]


@pytest.mark.parametrize(
    ("sent", "status", "says"),
    [
        (body({"type": "team_id", "identifier": "db"}), 400, "not an allowed value"),
        (body(None), 400, "needs a target"),
        ({"data": {"type": "pages", "attributes": {}}}, 400, "not an allowed value"),
        (body({"type": "team_handle", "identifier": "nope"}), 404, "Team nope not found"),
        (body({"type": "user_uuid", "identifier": "nope"}), 404, "User nope not found"),
    ],
)
def test_bad_pages_are_refused_in_datadogs_error_shape(
    emu: DatadogEmulator,
    http: httpx.Client,
    incident: str,
    sent: dict[str, Any],
    status: int,
    says: str,
) -> None:
    emu.add_team("db")
    answer = http.post(f"/api/v2/incidents/{incident}/page", json=sent)
    assert answer.status_code == status
    errors = answer.json()["errors"]
    assert isinstance(errors, list) and says in str(errors[0])
    assert emu.sent_pages() == []
