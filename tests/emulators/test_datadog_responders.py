"""The Datadog emulator's roles and responders: the official client's shapes, its request
model as the judge of bodies, and Datadog's 403/404 error shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from datadog_api_client.v2.model.incident_responder_response import IncidentResponderResponse
from datadog_api_client.v2.model.incident_responders_response import IncidentRespondersResponse
from datadog_api_client.v2.model.incident_user_defined_roles_response import (
    IncidentUserDefinedRolesResponse,
)

from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error
from tests.emulators.test_datadog import declare

ROLES = "/api/v2/incidents/config/user-defined-roles"


def responders_path(incident_id: str) -> str:
    return f"/api/v2/incidents/{incident_id}/responders"


def add_body(user_id: str, role_id: str | None = None) -> dict[str, Any]:
    relationships: dict[str, Any] = {"user": {"data": {"type": "users", "id": user_id}}}
    if role_id:
        relationships["role_assignments"] = {
            "data": [{"type": "incident_user_defined_roles", "id": role_id}]
        }
    return {"data": {"type": "incident_responders", "relationships": relationships}}


@pytest.fixture
def client(http: httpx.Client) -> httpx.Client:
    """The emulator's keys (tests/emulators/conftest.py)."""
    return http


@pytest.fixture
def incident(emu: DatadogEmulator, client: httpx.Client) -> dict[str, Any]:
    commander = emu.add_user("carla@example.com", "Carla Commander")
    return declare(client, commander, type_id=emu.default_type_id)


def test_roles_are_the_orgs_own_in_the_official_shape(
    emu: DatadogEmulator, client: httpx.Client
) -> None:
    assert client.get(ROLES).json() == {"data": []}
    comms = emu.add_role("Comms lead", description="Talks to customers", is_single=True)
    emu.add_role("Scribe")
    body = client.get(ROLES).json()
    assert model_error(body, IncidentUserDefinedRolesResponse) is None
    assert [(r["id"], r["attributes"]["name"]) for r in body["data"]][0] == (comms, "Comms lead")
    assert body["data"][0]["attributes"]["policy"] == {"is_single": True}


def test_the_commander_is_the_first_responder(
    client: httpx.Client, incident: dict[str, Any]
) -> None:
    body = client.get(responders_path(incident["id"])).json()
    assert model_error(body, IncidentRespondersResponse) is None
    commander = incident["relationships"]["commander_user"]["data"]["id"]
    assert [r["relationships"]["user"]["data"]["id"] for r in body["data"]] == [commander]
    assert [u["attributes"]["email"] for u in body["included"]][0] == "carla@example.com"


def test_add_list_and_remove_a_responder_with_a_role(
    emu: DatadogEmulator, client: httpx.Client, incident: dict[str, Any]
) -> None:
    bob = emu.add_user("bob@example.com", "Bob Builder")
    scribe = emu.add_role("Scribe")
    before = emu.find_incident(incident["id"])["attributes"]["modified"]  # type: ignore[index]
    created = client.post(responders_path(incident["id"]), json=add_body(bob, scribe))
    assert created.status_code == 201, created.text
    answer = created.json()
    assert model_error(answer, IncidentResponderResponse) is None
    responder_id = answer["data"]["id"]
    assert answer["data"]["relationships"]["role_assignments"]["data"][0]["id"] == scribe
    assert answer["data"]["relationships"]["created_by"]["data"]["id"] == emu.owner_id
    assert {u["id"] for u in answer["included"]} == {bob, emu.owner_id}
    listed = client.get(responders_path(incident["id"])).json()["data"]
    assert [r["id"] for r in listed][-1] == responder_id
    assert emu.find_incident(incident["id"])["attributes"]["modified"] != before  # type: ignore[index]
    path = f"{responders_path(incident['id'])}/{responder_id}"
    assert client.delete(path).status_code == 204
    again = client.delete(path)
    assert (again.status_code, again.json()) == (404, {"errors": ["Responder not found"]})
    assert responder_id not in [r["id"] for r in emu.responders_of(incident["id"])]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b["data"].pop("relationships"), "missing required property"),
        (lambda b: b["data"].update(type="responders"), "not an allowed value"),
        (
            lambda b: b["data"]["relationships"]["user"]["data"].update(id="bob"),
            "as UUID",
        ),
    ],
)
def test_bodies_the_official_model_refuses_are_400(
    emu: DatadogEmulator, client: httpx.Client, incident: dict[str, Any], mutate: Any, message: str
) -> None:
    body = add_body(emu.add_user("bob@example.com"))
    mutate(body)
    refused = client.post(responders_path(incident["id"]), json=body)
    assert refused.status_code == 400
    assert message in refused.json()["errors"][0]


def test_missing_user_role_or_incident_is_404_and_permission_403(
    emu: DatadogEmulator, client: httpx.Client, incident: dict[str, Any]
) -> None:
    bob = emu.add_user("bob@example.com")
    gone = emu.add_role("Gone")
    emu.delete_role(gone)
    path = responders_path(incident["id"])
    unknown = "00000000-0000-0000-0000-000000000009"
    for body, message in (
        (add_body(unknown), "User not found"),
        (add_body(bob, gone), "Role not found"),
    ):
        refused = client.post(path, json=body)
        assert (refused.status_code, refused.json()) == (404, {"errors": [message]})
    missing = client.get(responders_path(unknown))
    assert (missing.status_code, missing.json()) == (404, {"errors": ["Incident not found"]})
    emu.permissions.discard("incident_write")
    denied = client.post(path, json=add_body(bob))
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["detail"] == "Failed permission authorization checks"
    assert len(emu.responders_of(incident["id"])) == 1


def test_changes_made_in_datadog_name_who_made_them(
    emu: DatadogEmulator, client: httpx.Client, incident: dict[str, Any]
) -> None:
    bob = emu.add_user("bob@example.com", "Bob")
    dana = emu.add_user("dana@example.com", "Dana")
    responder = emu.add_responder_as(incident["id"], bob, by=dana)
    listed = client.get(responders_path(incident["id"])).json()
    mine = next(r for r in listed["data"] if r["id"] == responder)
    assert mine["relationships"]["created_by"]["data"]["id"] == dana
    assert dana in {u["id"] for u in listed["included"]}
    emu.remove_responder_as(incident["id"], responder, by=dana)
    assert responder not in [r["id"] for r in emu.responders_of(incident["id"])]
