"""The Datadog emulator's attachments: answers in the recorded shapes, checked against the
official client's `Attachment` and `AttachmentArray`; refusals in Datadog's shape."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from datadog_api_client.v2.model.attachment import Attachment
from datadog_api_client.v2.model.attachment_array import AttachmentArray

from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error
from tests.seed import SEED_CREATE_BODY

MISSING = "00000000-0000-0000-0000-000000000000"
POSTMORTEM: dict[str, Any] = {
    "data": {
        "type": "incident_attachments",
        "attributes": {
            "title": "Postmortem-IR-1",
            "cells": [
                {
                    "type": "markdown",
                    "attributes": {"definition": {"content": "## Incident Summary\nIt broke."}},
                }
            ],
        },
    }
}


@pytest.fixture
def incident(emu: DatadogEmulator, http: httpx.Client) -> str:
    body: dict[str, Any] = json.loads(json.dumps(SEED_CREATE_BODY))
    body["data"]["relationships"]["commander_user"]["data"]["id"] = emu.add_user("c@example.com")
    body["data"]["attributes"]["incident_type_uuid"] = emu.default_type_id
    created = http.post("/api/v2/incidents", json=body)
    assert created.status_code == 201
    return str(created.json()["data"]["id"])


def postmortems(incident_id: str) -> str:
    return f"/api/v2/incidents/{incident_id}/attachments/postmortems"


def test_a_postmortem_is_an_attachment_datadogs_models_read(
    emu: DatadogEmulator, http: httpx.Client, incident: str
) -> None:
    created = http.post(postmortems(incident), json=POSTMORTEM)
    assert created.status_code == 201
    body = created.json()
    assert model_error(body, Attachment) is None
    attrs = body["data"]["attributes"]
    assert attrs["attachment_type"] == "postmortem"
    assert attrs["attachment"]["title"] == "Postmortem-IR-1"
    assert attrs["attachment"]["documentUrl"].startswith("https://app.datadoghq.com/notebook/")
    listed = http.get(f"/api/v2/incidents/{incident}/attachments")
    assert listed.status_code == 200 and model_error(listed.json(), AttachmentArray) is None
    assert [a["id"] for a in listed.json()["data"]] == [body["data"]["id"]]
    assert listed.json()["included"][0]["type"] == "users"
    served = http.get(f"/api/v2/incidents/{incident}").json()["data"]
    assert served["relationships"]["attachments"]["data"] == [
        {"id": body["data"]["id"], "type": "incident_attachments"}
    ]
    assert emu.postmortem_bodies(incident)[0]["cells"] == POSTMORTEM["data"]["attributes"]["cells"]


def test_the_list_filters_by_the_specs_codes_or_names(
    emu: DatadogEmulator, http: httpx.Client, incident: str
) -> None:
    http.post(postmortems(incident), json=POSTMORTEM)
    path = f"/api/v2/incidents/{incident}/attachments"
    assert len(http.get(path, params={"filter[attachment_type]": "1"}).json()["data"]) == 1
    assert len(http.get(path, params={"filter[attachment_type]": "postmortem"}).json()["data"]) == 1
    assert http.get(path, params={"filter[attachment_type]": "2"}).json() == {"data": []}


def test_bodies_datadog_would_refuse_are_400(
    emu: DatadogEmulator, http: httpx.Client, incident: str
) -> None:
    html = json.loads(json.dumps(POSTMORTEM))
    html["data"]["attributes"]["cells"][0]["type"] = "html"
    refused = http.post(postmortems(incident), json=html)
    assert refused.status_code == 400 and "html" in refused.text
    no_type = {"data": {"attributes": {"title": "x"}}}
    assert http.post(postmortems(incident), json=no_type).status_code == 400
    assert emu.postmortem_bodies(incident) == []


def test_missing_incidents_and_permissions_answer_in_datadogs_shape(
    emu: DatadogEmulator, http: httpx.Client, incident: str
) -> None:
    missing = http.post(postmortems(MISSING), json=POSTMORTEM)
    assert missing.status_code == 404
    assert missing.json() == {
        "errors": [{"title": "Generic Error", "detail": "incident not found"}]
    }
    assert http.get(f"/api/v2/incidents/{MISSING}/attachments").status_code == 404
    emu.permissions.discard("incident_write")
    denied = http.post(postmortems(incident), json=POSTMORTEM)
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["detail"] == "Failed permission authorization checks"
    emu.permissions.discard("incident_read")
    assert http.get(f"/api/v2/incidents/{incident}/attachments").status_code == 403
