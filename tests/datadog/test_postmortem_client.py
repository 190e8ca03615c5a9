"""DatadogClient's postmortem and attachment calls against the Datadog emulator.

The body sent is checked with the official `PostmortemAttachmentRequest` (by the
emulator, and here); a create is never resent blindly; Datadog's refusals arrive typed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from datadog_api_client.v2.model.postmortem_attachment_request import (
    PostmortemAttachmentRequest as OfficialPostmortemRequest,
)

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import DatadogAmbiguousError, DatadogForbidden, DatadogNotFound
from bot.datadog.models import IncidentCreateRequest
from bot.datadog.postmortem_models import PostmortemAttachmentRequest
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error
from tests.datadog.conftest import Sleeps
from tests.seed import SEED_CREATE_BODY

ROUTE = "POST /api/v2/incidents/{incident_id}/attachments/postmortems"


@pytest.fixture
def client(emu: DatadogEmulator, sleeps: Sleeps) -> Iterator[DatadogClient]:
    made = DatadogClient(
        emu.api_key, emu.app_key, base_url=emu.url, retry=RetryPolicy(sleep=sleeps)
    )
    yield made
    made.close()


@pytest.fixture
def incident_id(emu: DatadogEmulator, client: DatadogClient) -> str:
    body: dict[str, Any] = json.loads(json.dumps(SEED_CREATE_BODY))
    body["data"]["relationships"]["commander_user"]["data"]["id"] = emu.add_user("c@example.com")
    body["data"]["attributes"]["incident_type_uuid"] = emu.default_type_id
    return client.create_incident(IncidentCreateRequest.model_validate(body)).id


def test_the_request_is_datadogs_own_shape() -> None:
    wire = PostmortemAttachmentRequest.of(
        "Postmortem: IR-3", ("## Summary\nx", "## Timeline")
    ).to_wire()
    assert model_error(wire, OfficialPostmortemRequest) is None
    assert wire == {
        "data": {
            "type": "incident_attachments",
            "attributes": {
                "title": "Postmortem: IR-3",
                "cells": [
                    {
                        "type": "markdown",
                        "attributes": {"definition": {"content": "## Summary\nx"}},
                    },
                    {"type": "markdown", "attributes": {"definition": {"content": "## Timeline"}}},
                ],
            },
        }
    }
    templated = PostmortemAttachmentRequest.of("PM", template_id="tpl-1").to_wire()
    assert templated["data"]["attributes"] == {"title": "PM", "postmortem_template_id": "tpl-1"}
    assert model_error(templated, OfficialPostmortemRequest) is None


def test_create_then_list_finds_the_postmortem(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    created = client.create_postmortem(
        incident_id, PostmortemAttachmentRequest.of("Postmortem: IR-1", ("# One", "# Two"))
    )
    assert created.attachment_type == "postmortem" and created.title == "Postmortem: IR-1"
    assert (created.url or "").startswith("https://app.datadoghq.com/notebook/")
    assert client.list_attachments(incident_id, kinds=("postmortem",)) == [created]
    assert client.list_attachments(incident_id, kinds=("link",)) == []
    sent = emu.postmortem_bodies(incident_id)
    assert [c["attributes"]["definition"]["content"] for c in sent[0]["cells"]] == [
        "# One",
        "# Two",
    ]


def test_a_lost_answer_is_ambiguous_and_not_resent(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    emu.inject(ROUTE, lose_response=True)
    with pytest.raises(DatadogAmbiguousError):
        client.create_postmortem(incident_id, PostmortemAttachmentRequest.of("PM", ("x",)))
    assert len(emu.postmortem_bodies(incident_id)) == 1
    assert len(client.list_attachments(incident_id, kinds=("postmortem",))) == 1


def test_refusals_are_typed(emu: DatadogEmulator, client: DatadogClient, incident_id: str) -> None:
    with pytest.raises(DatadogNotFound):
        client.create_postmortem(
            "00000000-0000-0000-0000-000000000000", PostmortemAttachmentRequest.of("PM", ("x",))
        )
    with pytest.raises(DatadogNotFound):
        client.list_attachments("00000000-0000-0000-0000-000000000000")
    emu.permissions.discard("incident_write")
    with pytest.raises(DatadogForbidden) as refused:
        client.create_postmortem(incident_id, PostmortemAttachmentRequest.of("PM", ("x",)))
    assert "incident_write" in str(refused.value.user_message)
    assert emu.postmortem_bodies(incident_id) == []
