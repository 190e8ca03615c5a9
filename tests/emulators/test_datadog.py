"""The Datadog emulator behaves like the recorded API: keys, shapes, validation, faults."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.emulators.datadog import DatadogEmulator
from tests.seed import SEED_CREATE_BODY

INCIDENTS = "/api/v2/incidents"

CURL_BODY = SEED_CREATE_BODY
"""The curl example of create-incident.md; commander and type are filled per test."""

SLACK_LINK: dict[str, Any] = {
    "data": {
        "type": "incident_integrations",
        "attributes": {
            "integration_type": 1,
            "metadata": {
                "channels": [
                    {
                        "channel_id": "C0123456789",
                        "channel_name": "#inc-1",
                        "redirect_url": "https://slack.com/app_redirect?channel=C0123456789&team=T1",
                        "team_id": "T01234567",
                    }
                ]
            },
        },
    }
}


def keys(emu: DatadogEmulator) -> dict[str, str]:
    return {"DD-API-KEY": emu.api_key, "DD-APPLICATION-KEY": emu.app_key}


@pytest.fixture
def emu() -> Iterator[DatadogEmulator]:
    server = DatadogEmulator()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(emu: DatadogEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.url, headers=keys(emu), timeout=5.0) as c:
        yield c


@pytest.fixture
def commander(emu: DatadogEmulator) -> str:
    return emu.add_user("Commander@Example.com", "Carla Commander")


def body_for(
    commander: str, *, type_id: str | None = None, title: str | None = None
) -> dict[str, Any]:
    body = copy.deepcopy(CURL_BODY)
    attrs = body["data"]["attributes"]
    if type_id is None:
        del attrs["incident_type_uuid"]
    else:
        attrs["incident_type_uuid"] = type_id
    if title is not None:
        attrs["title"] = title
    body["data"]["relationships"]["commander_user"]["data"]["id"] = commander
    return body


def declare(client: httpx.Client, commander: str, **kwargs: Any) -> dict[str, Any]:
    response = client.post(INCIDENTS, json=body_for(commander, **kwargs))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


# --- keys and permissions --------------------------------------------------------------


def test_missing_keys_are_401_and_wrong_keys_403(emu: DatadogEmulator) -> None:
    with httpx.Client(base_url=emu.url) as raw:
        assert raw.get("/api/v2/users").status_code == 401
        assert raw.get("/api/v2/users").json() == {"errors": ["Unauthorized"]}
        only_api = raw.get("/api/v2/users", headers={"DD-API-KEY": emu.api_key})
        assert only_api.status_code == 401
        wrong_api = raw.get("/api/v2/users", headers={**keys(emu), "DD-API-KEY": "nope"})
        assert (wrong_api.status_code, wrong_api.json()) == (403, {"errors": ["Forbidden"]})
        wrong_app = raw.get("/api/v2/users", headers={**keys(emu), "DD-APPLICATION-KEY": "x"})
        assert wrong_app.status_code == 403


def test_validate_needs_only_the_api_key(emu: DatadogEmulator) -> None:
    with httpx.Client(base_url=emu.url) as raw:
        ok = raw.get("/api/v1/validate", headers={"DD-API-KEY": emu.api_key})
        assert (ok.status_code, ok.json()) == (200, {"valid": True})
        for headers in ({}, {"DD-API-KEY": "wrong"}):
            denied = raw.get("/api/v1/validate", headers=headers)
            assert (denied.status_code, denied.json()) == (403, {"errors": ["Forbidden"]})


@pytest.mark.parametrize(
    ("permission", "method", "path"),
    [
        ("incident_write", "POST", INCIDENTS),
        ("incident_read", "GET", INCIDENTS),
        ("incident_read", "GET", f"{INCIDENTS}/search?query="),
        ("incident_settings_read", "GET", f"{INCIDENTS}/config/types"),
        ("incident_settings_read", "GET", f"{INCIDENTS}/config/user-defined-fields"),
        ("user_access_read", "GET", "/api/v2/users"),
    ],
)
def test_missing_permission_is_403_in_the_jsonapi_shape(
    emu: DatadogEmulator, client: httpx.Client, permission: str, method: str, path: str
) -> None:
    emu.permissions.discard(permission)
    response = client.request(method, path, json={})
    assert response.status_code == 403
    assert response.json() == {
        "errors": [
            {
                "status": "403",
                "title": "Forbidden",
                "detail": "Failed permission authorization checks",
            }
        ]
    }


def test_unknown_route_is_404(client: httpx.Client) -> None:
    response = client.get("/api/v2/nothing-here")
    assert (response.status_code, response.json()) == (404, {"errors": ["Not found"]})


# --- users -----------------------------------------------------------------------------


def test_users_filter_status_and_pages(emu: DatadogEmulator, client: httpx.Client) -> None:
    for n in range(12):
        emu.add_user(f"Dev{n:02d}@Example.com", f"Developer {n:02d}")
    emu.add_user("gone@example.com", "Developer Gone", disabled=True)
    emu.add_user("new@example.com", "Developer New", status="Pending")

    everyone = client.get("/api/v2/users", params={"filter": "DEVELOPER"}).json()
    assert everyone["meta"]["page"] == {"total_filtered_count": 14, "total_count": 15}
    assert len(everyone["data"]) == 10  # default page size

    active = client.get(
        "/api/v2/users",
        params={
            "filter": "developer",
            "filter[status]": "Active",
            "page[size]": 5,
            "page[number]": 2,
        },
    ).json()
    assert active["meta"]["page"]["total_filtered_count"] == 12
    assert [u["attributes"]["name"] for u in active["data"]] == ["Developer 10", "Developer 11"]

    by_email = client.get("/api/v2/users", params={"filter": "dev03@EXAMPLE"}).json()["data"]
    (user,) = by_email
    attrs = user["attributes"]
    assert attrs["email"] == attrs["handle"] == "dev03@example.com"
    assert attrs["title"] is None and attrs["last_login_time"] is None
    assert attrs["allowed_login_methods"] == [] and attrs["service_account"] is False
    assert user["relationships"]["org"]["data"]["type"] == "orgs"

    pending_or_disabled = client.get(
        "/api/v2/users", params={"filter[status]": "Pending,Disabled"}
    ).json()["data"]
    assert {
        (u["attributes"]["status"], u["attributes"]["disabled"]) for u in pending_or_disabled
    } == {
        ("Pending", False),
        ("Disabled", True),
    }


def test_get_user_by_id(client: httpx.Client, commander: str) -> None:
    found = client.get(f"/api/v2/users/{commander}")
    assert found.json()["data"]["attributes"]["email"] == "commander@example.com"
    missing = client.get("/api/v2/users/00000000-0000-0000-0000-000000000000")
    assert (missing.status_code, missing.json()) == (404, {"errors": ["User not found"]})


# --- create ------------------------------------------------------------------------------


def test_create_from_the_documented_example(
    emu: DatadogEmulator, client: httpx.Client, commander: str
) -> None:
    response = client.post(INCIDENTS, json=body_for(commander, type_id=emu.default_type_id))
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    attrs = data["attributes"]
    assert data["type"] == "incidents"
    assert attrs["public_id"] == 1
    assert attrs["fields"]["slug"] == {"type": "textbox", "value": "IR-1"}
    assert attrs["fields"]["severity"] == {"type": "dropdown", "value": "SEV-5"}
    assert attrs["fields"]["detection_method"] == {"type": "dropdown", "value": "unknown"}
    assert {"root_cause", "summary", "services", "teams", "state"} <= set(attrs["fields"])
    assert (attrs["severity"], attrs["state"]) == ("SEV-5", "active")
    assert attrs["incident_type_uuid"] == emu.default_type_id
    assert attrs["commander"]["data"]["attributes"]["email"] == "commander@example.com"
    assert attrs["created_by"]["data"]["id"] == attrs["declared_by"]["data"]["id"] == emu.owner_id
    assert attrs["creation_idempotency_key"] is None and attrs["field_analytics"] is None
    assert attrs["visibility"] == "organization" and attrs["is_test"] is False
    assert attrs["customer_impact_scope"] == "Example customer impact scope"
    assert attrs["notification_handles"][0] == {
        "display_name": "Jane Doe",
        "handle": "@user@email.com",
    }
    assert data["relationships"]["commander_user"]["data"] == {"type": "users", "id": commander}
    assert "_initial_cells" not in data

    assert emu.incidents[data["id"]]["attributes"]["public_id"] == 1
    assert emu.created_bodies() == [body_for(commander, type_id=emu.default_type_id)]
    assert emu.timeline(data["id"]) == CURL_BODY["data"]["attributes"]["initial_cells"]

    second = declare(client, commander)  # no incident_type_uuid: the default type
    assert second["attributes"]["public_id"] == 2
    assert second["attributes"]["incident_type_uuid"] == emu.default_type_id


def test_minimal_create_has_recorded_defaults(client: httpx.Client) -> None:
    body = {"data": {"type": "incidents", "attributes": {"title": "t", "customer_impacted": False}}}
    attrs = client.post(INCIDENTS, json=body).json()["data"]["attributes"]
    assert attrs["commander"] is None and attrs["notification_handles"] is None
    assert (attrs["severity"], attrs["fields"]["severity"]["value"]) == ("UNKNOWN", "UNKNOWN")


def test_get_incident_by_uuid_or_public_id(client: httpx.Client, commander: str) -> None:
    created = declare(client, commander)
    by_uuid = client.get(f"{INCIDENTS}/{created['id']}").json()["data"]
    by_public = client.get(f"{INCIDENTS}/1").json()["data"]
    assert by_uuid == by_public
    assert by_uuid["attributes"]["title"] == "A test incident title"
    missing = client.get(f"{INCIDENTS}/9999")
    assert (missing.status_code, missing.json()) == (404, {"errors": ["Incident not found"]})


def test_list_incidents_pages_newest_last(client: httpx.Client, commander: str) -> None:
    for n in range(3):
        declare(client, commander, title=f"incident {n}")
    page = client.get(INCIDENTS, params={"page[size]": 2, "page[offset]": 1}).json()
    assert [i["attributes"]["title"] for i in page["data"]] == ["incident 1", "incident 2"]
    assert page["meta"]["pagination"] == {"offset": 1, "next_offset": 3, "size": 2}


def _mutate(body: dict[str, Any], kind: str) -> None:
    attrs = body["data"]["attributes"]
    if kind == "bogus field":
        attrs["fields"]["impact"] = {"type": "bogus", "value": "x"}
    elif kind == "impacted without scope":
        attrs["customer_impacted"] = True
        del attrs["customer_impact_scope"]
    elif kind == "html cell":
        attrs["initial_cells"][0]["cell_type"] = "html"
    elif kind == "no title":
        del attrs["title"]
    elif kind == "wrong data type":
        body["data"]["type"] = "incident"
    elif kind == "unknown severity":
        attrs["fields"]["severity"]["value"] = "SEV-9"
    elif kind == "unknown type":
        attrs["incident_type_uuid"] = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("bogus field", "data.attributes.fields.impact"),
        ("impacted without scope", "customer_impact_scope is required"),
        ("html cell", "data.attributes.initial_cells[0]"),
        ("no title", "'title'"),
        ("wrong data type", "data.type"),
        ("unknown severity", "SEV-9"),
        ("unknown type", "incident_type_uuid"),
    ],
)
def test_invalid_create_is_400_with_a_specific_message(
    emu: DatadogEmulator, client: httpx.Client, commander: str, kind: str, expected: str
) -> None:
    body = body_for(commander)
    _mutate(body, kind)
    response = client.post(INCIDENTS, json=body)
    assert response.status_code == 400
    (message,) = response.json()["errors"]
    assert expected in message
    assert emu.incidents == {} and emu.created_bodies() == []


def test_unknown_commander_is_404(emu: DatadogEmulator, client: httpx.Client) -> None:
    response = client.post(INCIDENTS, json=body_for("00000000-0000-0000-0000-00000000dead"))
    assert (response.status_code, response.json()) == (404, {"errors": ["User not found"]})
    assert emu.incidents == {}


# --- faults --------------------------------------------------------------------------------


def test_injected_status_is_consumed_times_then_real(
    emu: DatadogEmulator, client: httpx.Client, commander: str
) -> None:
    emu.inject(f"POST {INCIDENTS}", status=503, times=2)
    emu.inject(f"POST {INCIDENTS}", status=400, body={"errors": ["custom"]}, headers={"X-A": "1"})
    first = client.post(INCIDENTS, json=body_for(commander))
    assert (first.status_code, first.json()) == (503, {"errors": ["Service Unavailable"]})
    assert client.post(INCIDENTS, json=body_for(commander)).status_code == 503
    third = client.post(INCIDENTS, json=body_for(commander))
    assert (third.status_code, third.json(), third.headers["X-A"]) == (
        400,
        {"errors": ["custom"]},
        "1",
    )
    assert client.post(INCIDENTS, json=body_for(commander)).status_code == 201
    assert len(emu.incidents) == 1
    assert len(emu.calls(INCIDENTS, "POST")) == 4


def test_injected_429_carries_rate_limit_headers(
    emu: DatadogEmulator, client: httpx.Client
) -> None:
    emu.inject("GET /api/v2/users", status=429, headers={"X-RateLimit-Reset": "7"})
    response = client.get("/api/v2/users")
    assert response.status_code == 429
    assert response.json() == {"errors": ["Too Many Requests"]}
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Reset"] == "7"
    for name in ("X-RateLimit-Limit", "X-RateLimit-Period", "X-RateLimit-Name"):
        assert response.headers[name]


def test_fault_routes_accept_placeholders(
    emu: DatadogEmulator, client: httpx.Client, commander: str
) -> None:
    incident = declare(client, commander)
    emu.inject("POST /api/v2/incidents/{incident_id}/relationships/integrations", status=500)
    path = f"{INCIDENTS}/{incident['id']}/relationships/integrations"
    assert client.post(path, json=SLACK_LINK).status_code == 500
    assert client.post(path, json=SLACK_LINK).status_code == 201


def test_delay_provokes_a_client_timeout(
    emu: DatadogEmulator, client: httpx.Client, commander: str
) -> None:
    emu.inject(f"POST {INCIDENTS}", delay=0.5)
    with pytest.raises(httpx.ReadTimeout):
        client.post(INCIDENTS, json=body_for(commander), timeout=0.1)
    deadline = time.monotonic() + 3
    while not emu.incidents and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(emu.incidents) == 1  # handled after the delay, like a slow Datadog


def test_drop_closes_the_connection_without_creating(
    emu: DatadogEmulator, client: httpx.Client, commander: str
) -> None:
    emu.inject(f"POST {INCIDENTS}", drop=True)
    with pytest.raises(httpx.TransportError):
        client.post(INCIDENTS, json=body_for(commander))
    assert emu.incidents == {}
    assert client.post(INCIDENTS, json=body_for(commander)).status_code == 201


def test_lost_response_still_creates_the_incident(
    emu: DatadogEmulator, client: httpx.Client, commander: str
) -> None:
    emu.inject(f"POST {INCIDENTS}", lose_response=True)
    with pytest.raises(httpx.TransportError):
        client.post(INCIDENTS, json=body_for(commander))
    (incident,) = emu.incidents.values()
    assert incident["attributes"]["public_id"] == 1
    assert len(emu.created_bodies()) == 1


def test_rate_limit_is_a_sliding_window_per_route(
    emu: DatadogEmulator, client: httpx.Client
) -> None:
    emu.rate_limit("GET /api/v2/users", limit=2, period=1)
    first = client.get("/api/v2/users")
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert client.get("/api/v2/users").status_code == 200
    limited = client.get("/api/v2/users")
    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-Limit"] == "2"
    assert limited.headers["X-RateLimit-Period"] == "1"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["X-RateLimit-Reset"] == "1"
    assert limited.headers["X-RateLimit-Name"]
    assert client.get(f"{INCIDENTS}/config/types").status_code == 200  # other routes unaffected
    time.sleep(1.05)
    assert client.get("/api/v2/users").status_code == 200
    emu.clear_faults()
    assert all(client.get("/api/v2/users").status_code == 200 for _ in range(5))


# --- search ----------------------------------------------------------------------------------


def test_search_terms_states_and_sort(
    emu: DatadogEmulator, client: httpx.Client, commander: str
) -> None:
    declare(client, commander, title="Database outage")
    declare(client, commander, title="Checkout errors")
    resolved = body_for(commander, title="Old database blip")
    resolved["data"]["attributes"]["fields"]["state"] = {"type": "dropdown", "value": "resolved"}
    assert client.post(INCIDENTS, json=resolved).status_code == 201

    def search(**params: Any) -> dict[str, Any]:
        response = client.get(f"{INCIDENTS}/search", params=params)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        assert data["type"] == "incidents_search_results"
        attributes: dict[str, Any] = data["attributes"]
        return attributes

    def titles(result: dict[str, Any]) -> list[str]:
        return [hit["data"]["attributes"]["title"] for hit in result["incidents"]]

    assert titles(search(query="state:active", sort="created")) == [
        "Database outage",
        "Checkout errors",
    ]
    assert titles(search(query="database")) == ["Old database blip", "Database outage"]
    assert titles(search(query="state:(active OR resolved) DATABASE", sort="created")) == [
        "Database outage",
        "Old database blip",
    ]
    assert search(query="severity:SEV-5 -state:resolved")["total"] == 2
    paged = search(query="", **{"page[size]": 1})
    assert (paged["total"], len(paged["incidents"])) == (3, 1)
    assert {"name": "resolved", "count": 1} in paged["facets"]["state"]
    assert client.get(f"{INCIDENTS}/search").status_code == 400


# --- config: types and fields -------------------------------------------------------------------


def test_types_and_user_defined_fields(emu: DatadogEmulator, client: httpx.Client) -> None:
    security = emu.add_incident_type("Security", description="Security incidents")
    impact = emu.add_field(
        "impact",
        "multiselect",
        incident_type_id=security,
        required=True,
        valid_values=[{"value": "web"}, {"value": "api", "display_name": "API"}],
    )

    types = client.get(f"{INCIDENTS}/config/types").json()["data"]
    assert [(t["attributes"]["name"], t["attributes"]["is_default"]) for t in types] == [
        ("Default incident type", True),
        ("Security", False),
    ]
    assert types[0]["type"] == "incident_types" and types[0]["attributes"]["prefix"] == "IR"

    fields = client.get(
        f"{INCIDENTS}/config/user-defined-fields", params={"filter[incident-type]": security}
    ).json()
    by_name = {f["attributes"]["name"]: f for f in fields["data"]}
    assert set(by_name) == {"severity", "state", "impact"}
    assert fields["meta"] == {"offset": 0, "size": 3}
    custom = by_name["impact"]
    assert custom["id"] == impact and custom["type"] == "user_defined_field"
    assert custom["attributes"]["type"] == 2  # spec: 2 = multiselect
    assert custom["attributes"]["required"] is True
    assert custom["attributes"]["valid_values"][1] == {
        "value": "api",
        "display_name": "API",
        "description": "",
        "short_description": "",
    }
    assert custom["relationships"]["incident_type"]["data"] == {
        "id": security,
        "type": "incident_types",
    }
    severity = {
        v["value"]: v["display_name"] for v in by_name["severity"]["attributes"]["valid_values"]
    }
    assert list(severity)[:2] == ["UNKNOWN", "SEV-0"] and severity["SEV-1"] == "SEV-1 (Critical)"
    state = by_name["state"]["attributes"]
    assert [v["value"] for v in state["valid_values"]] == ["active", "stable", "resolved"]

    everything = client.get(f"{INCIDENTS}/config/user-defined-fields").json()["data"]
    assert len(everything) == 5  # severity and state of both types, plus impact


def test_required_field_of_the_type_is_enforced(emu: DatadogEmulator, client: httpx.Client) -> None:
    security = emu.add_incident_type("Security")
    emu.add_field(
        "impact",
        "multiselect",
        incident_type_id=security,
        required=True,
        valid_values=[{"value": "web"}],
    )
    commander = emu.add_user("c@example.com")
    body = body_for(commander, type_id=security)
    missing = client.post(INCIDENTS, json=body)
    assert missing.status_code == 400 and "impact" in missing.json()["errors"][0]
    body["data"]["attributes"]["fields"]["impact"] = {"type": "multiselect", "value": ["web"]}
    created = client.post(INCIDENTS, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["data"]["attributes"]["fields"]["impact"]["value"] == ["web"]


# --- integrations -------------------------------------------------------------------------------


def test_slack_integration_metadata(
    emu: DatadogEmulator, client: httpx.Client, commander: str
) -> None:
    incident = declare(client, commander)
    path = f"{INCIDENTS}/{incident['id']}/relationships/integrations"
    created = client.post(path, json=SLACK_LINK)
    assert created.status_code == 201, created.text
    item = created.json()["data"]
    assert item["type"] == "incident_integrations"
    assert item["attributes"]["incident_id"] == incident["id"]
    assert item["attributes"]["integration_type"] == 1
    assert item["attributes"]["metadata"] == SLACK_LINK["data"]["attributes"]["metadata"]
    assert emu.integrations[incident["id"]] == [item]

    listed = client.get(path).json()
    assert [i["id"] for i in listed["data"]] == [item["id"]]
    assert listed["meta"]["pagination"]["size"] == 1
    refs = client.get(f"{INCIDENTS}/{incident['id']}").json()["data"]["relationships"]
    assert refs["integrations"]["data"] == [{"type": "incident_integrations", "id": item["id"]}]

    bad = copy.deepcopy(SLACK_LINK)
    del bad["data"]["attributes"]["metadata"]["channels"][0]["redirect_url"]
    rejected = client.post(path, json=bad)
    assert rejected.status_code == 400 and "metadata" in rejected.json()["errors"][0]
    unknown = client.post(f"{INCIDENTS}/nope/relationships/integrations", json=SLACK_LINK)
    assert unknown.status_code == 404
