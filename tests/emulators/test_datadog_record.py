"""The Datadog emulator's attachments and to-dos answer in the recorded shapes, which the
official client's response models read, and refuse like Datadog (400, 403, 404)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from datadog_api_client.v2.model.attachment import Attachment as OfficialAttachment
from datadog_api_client.v2.model.attachment_array import AttachmentArray
from datadog_api_client.v2.model.incident_todo_list_response import IncidentTodoListResponse
from datadog_api_client.v2.model.incident_todo_response import IncidentTodoResponse

from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error

LINK = {
    "data": {
        "type": "incident_attachments",
        "attributes": {
            "attachment_type": "link",
            "attachment": {
                "documentUrl": "https://emulator.slack.com/archives/C1/p1",
                "title": "t",
            },
        },
    }
}
TODO = {
    "data": {
        "type": "incident_todos",
        "attributes": {"content": "Restore lost data.", "assignees": ["@test.user@test.com"]},
    }
}


@pytest.fixture
def incident(http: httpx.Client) -> str:
    body = {"data": {"type": "incidents", "attributes": {"title": "t", "customer_impacted": False}}}
    answer = http.post("/api/v2/incidents", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["data"]["id"])


def official(body: Any, model: type[Any]) -> None:
    error = model_error(body, model)
    assert error is None, error


def test_attachments_answer_in_the_recorded_shapes(http: httpx.Client, incident: str) -> None:
    created = http.post(f"/api/v2/incidents/{incident}/attachments", json=LINK)
    assert created.status_code == 201
    official(created.json(), OfficialAttachment)
    data = created.json()["data"]
    assert data["type"] == "incident_attachments"
    assert data["attributes"]["attachment"]["documentUrl"].endswith("/p1")
    assert data["relationships"]["incident"]["data"] == {"id": incident, "type": "incidents"}
    listed = http.get(f"/api/v2/incidents/{incident}/attachments")
    official(listed.json(), AttachmentArray)
    assert [a["id"] for a in listed.json()["data"]] == [data["id"]]
    assert listed.json()["included"][0]["type"] == "users"
    none = http.get(
        f"/api/v2/incidents/{incident}/attachments",
        params={"filter[attachment_type]": "postmortem"},
    )
    assert none.json() == {"data": []}


def test_to_dos_answer_in_the_recorded_shapes(http: httpx.Client, incident: str) -> None:
    created = http.post(f"/api/v2/incidents/{incident}/relationships/todos", json=TODO)
    assert created.status_code == 201
    official(created.json(), IncidentTodoResponse)
    attrs = created.json()["data"]["attributes"]
    assert attrs["completed"] is None and attrs["incident_id"] == incident
    assert attrs["created_by"]["data"]["type"] == "users"  # embedded, as the POST recorded
    todo_id = created.json()["data"]["id"]
    listed = http.get(f"/api/v2/incidents/{incident}/relationships/todos")
    official(listed.json(), IncidentTodoListResponse)
    item = listed.json()["data"][0]["attributes"]
    assert "created_by" not in item and item["created_by_uuid"]  # ids only, as the list recorded
    assert listed.json()["meta"]["pagination"]["size"] == 1
    done = {
        "data": {
            "type": "incident_todos",
            "attributes": {**TODO["data"]["attributes"], "completed": "2026-12-07T02:00:00+00:00"},
        }
    }  # type: ignore[dict-item]
    patched = http.patch(f"/api/v2/incidents/{incident}/relationships/todos/{todo_id}", json=done)
    assert patched.status_code == 200
    official(patched.json(), IncidentTodoResponse)
    assert patched.json()["data"]["attributes"]["completed"] == "2026-12-07T02:00:00+00:00"
    deleted = http.delete(f"/api/v2/incidents/{incident}/relationships/todos/{todo_id}")
    assert deleted.status_code == 204 and deleted.content == b""


def test_bodies_are_checked_with_the_official_request_models(
    http: httpx.Client, incident: str
) -> None:
    bad_type = {
        "data": {
            **LINK["data"],
            "attributes": {**LINK["data"]["attributes"], "attachment_type": "html"},
        }
    }  # type: ignore[dict-item]
    answer = http.post(f"/api/v2/incidents/{incident}/attachments", json=bad_type)
    assert answer.status_code == 400 and "html" in answer.text
    no_content = {"data": {"type": "incident_todos", "attributes": {"assignees": []}}}
    answer = http.post(f"/api/v2/incidents/{incident}/relationships/todos", json=no_content)
    assert answer.status_code == 400 and "content" in answer.text


def test_missing_incident_and_permission_answer_in_datadog_shapes(
    emu: DatadogEmulator, http: httpx.Client, incident: str
) -> None:
    gone = "00000000-0000-0000-0000-000000000000"
    missing = http.get(f"/api/v2/incidents/{gone}/attachments")
    assert missing.status_code == 404
    assert missing.json() == {
        "errors": [{"title": "Generic Error", "detail": "incident not found"}]
    }
    no_todo = http.delete(f"/api/v2/incidents/{incident}/relationships/todos/{gone}")
    assert no_todo.status_code == 404
    emu.permissions.discard("incident_write")
    denied = http.post(f"/api/v2/incidents/{incident}/relationships/todos", json=TODO)
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["title"] == "Forbidden"
    assert emu.todos.get(incident, {}) == {}
