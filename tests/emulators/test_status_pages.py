"""The Datadog emulator's status pages answer as recorded: every answer deserializes with
the official client's models, bad bodies are 400s, missing things 404s, Datadog's shapes."""

from __future__ import annotations

from typing import Any

import httpx
from datadog_api_client.v2.model.degradation import Degradation as OfficialDegradation
from datadog_api_client.v2.model.degradation_array import DegradationArray
from datadog_api_client.v2.model.status_page import StatusPage as OfficialStatusPage

from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error


def official(body: Any, model: type[Any]) -> None:
    assert model_error(body, model) is None, model_error(body, model)


def create_body(component_id: str, status: str = "major_outage") -> dict[str, Any]:
    return {
        "data": {
            "type": "degradations",
            "attributes": {
                "components_affected": [{"id": component_id, "status": status}],
                "description": "Our API is experiencing elevated latency.",
                "status": "investigating",
                "title": "Elevated API Latency",
            },
        }
    }


def test_a_page_its_degradations_and_their_updates_are_served_as_recorded(
    emu: DatadogEmulator, http: httpx.Client
) -> None:
    page_id = emu.add_status_page("Acme", {"Application": ["Login", "Settings"], "API": ["Search"]})
    page = http.get(f"/api/v2/statuspages/{page_id}")
    assert page.status_code == 200
    official(page.json(), OfficialStatusPage)
    groups = page.json()["data"]["attributes"]["components"]
    assert [g["name"] for g in groups] == ["Application", "API"]
    assert groups[0]["components"][0]["status"] == "operational"
    login = emu.component_id(page_id, "Login")
    made = http.post(f"/api/v2/statuspages/{page_id}/degradations", json=create_body(login))
    assert made.status_code == 201
    official(made.json(), OfficialDegradation)
    data = made.json()["data"]
    assert data["attributes"]["components_affected"] == [
        {"id": login, "name": "Login", "status": "major_outage"}
    ]
    assert len(data["attributes"]["updates"]) == 1
    assert data["relationships"]["status_page"]["data"] == {"id": page_id, "type": "status_pages"}
    shown = http.get(f"/api/v2/statuspages/{page_id}").json()["data"]["attributes"]
    assert shown["components"][0]["components"][0]["status"] == "major_outage"

    title_only = {
        "data": {"type": "degradations", "id": data["id"], "attributes": {"title": "New"}}
    }
    patched = http.patch(
        f"/api/v2/statuspages/{page_id}/degradations/{data['id']}", json=title_only
    )
    assert patched.status_code == 200
    official(patched.json(), OfficialDegradation)
    assert len(patched.json()["data"]["attributes"]["updates"]) == 1  # a title alone: no update
    resolve = {
        "data": {
            "type": "degradations",
            "id": data["id"],
            "attributes": {
                "status": "resolved",
                "components_affected": [{"id": login, "status": "operational"}],
            },
        }
    }
    resolved = http.patch(f"/api/v2/statuspages/{page_id}/degradations/{data['id']}", json=resolve)
    assert resolved.json()["data"]["attributes"]["status"] == "resolved"
    assert len(resolved.json()["data"]["attributes"]["updates"]) == 2

    other_page = emu.add_status_page()
    http.post(
        f"/api/v2/statuspages/{other_page}/degradations",
        json=create_body(emu.component_id(other_page, "Login")),
    )
    listed = http.get("/api/v2/statuspages/degradations", params={"filter[page_id]": page_id})
    official(listed.json(), DegradationArray)
    assert [d["id"] for d in listed.json()["data"]] == [data["id"]]
    assert listed.json()["meta"]["page"]["total"] == 1
    every = http.get("/api/v2/statuspages/degradations", params={"sort": "-created_at"}).json()
    assert len(every["data"]) == 2 and every["data"][1]["id"] == data["id"]


def test_bad_bodies_are_400_and_missing_things_404(
    emu: DatadogEmulator, http: httpx.Client
) -> None:
    page_id = emu.add_status_page()
    url = f"/api/v2/statuspages/{page_id}/degradations"
    not_on_page = http.post(url, json=create_body("00000000-0000-0000-0000-000000000009"))
    assert not_on_page.status_code == 400
    assert "not a component of this page" in not_on_page.json()["errors"][0]
    bad_status = http.post(url, json=create_body(emu.component_id(page_id, "Login"), "on_fire"))
    assert bad_status.status_code == 400 and "on_fire" in bad_status.json()["errors"][0]
    no_title = create_body(emu.component_id(page_id, "Login"))
    del no_title["data"]["attributes"]["title"]
    assert http.post(url, json=no_title).status_code == 400
    assert emu.page_degradations(page_id) == []
    missing = "00000000-0000-0000-0000-00000000dead"
    gone_page = http.get(f"/api/v2/statuspages/{missing}")
    assert gone_page.status_code == 404 and gone_page.json() == {
        "errors": ["Status page not found"]
    }
    patch = {"data": {"type": "degradations", "id": missing, "attributes": {"title": "x"}}}
    gone = http.patch(f"{url}/{missing}", json=patch)
    assert gone.status_code == 404 and gone.json() == {"errors": ["Degradation not found"]}


def test_without_the_permission_datadog_says_403(emu: DatadogEmulator, http: httpx.Client) -> None:
    page_id = emu.add_status_page()
    emu.permissions.discard("status_pages_settings_read")
    denied = http.get(f"/api/v2/statuspages/{page_id}")
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["detail"] == "Failed permission authorization checks"
