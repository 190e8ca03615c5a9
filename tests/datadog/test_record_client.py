"""The client's record operations (attachments, to-dos) against the Datadog emulator.

Every body the client sends deserializes with datadog-api-client's own request model;
answers are read back as the bot reads them; Datadog's 403 and 404 become typed errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from datadog_api_client.v2.model.create_attachment_request import (
    CreateAttachmentRequest as OfficialAttachment,
)
from datadog_api_client.v2.model.incident_todo_create_request import (
    IncidentTodoCreateRequest as OfficialTodoCreate,
)
from datadog_api_client.v2.model.incident_todo_patch_request import (
    IncidentTodoPatchRequest as OfficialTodoPatch,
)

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import DatadogForbidden, DatadogNotFound
from bot.datadog.models import IncidentCreateRequest
from bot.datadog.record_models import (
    CreateAttachmentRequest,
    IncidentTodoCreateRequest,
    IncidentTodoPatchRequest,
    TodoAttributes,
    TodoCreateData,
)
from bot.domain.record.todos import due_on_the_wire
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error
from tests.seed import SEED_CREATE_BODY


@pytest.fixture
def client(emu: DatadogEmulator) -> Iterator[DatadogClient]:
    dd = DatadogClient(
        emu.api_key, emu.app_key, base_url=emu.url, retry=RetryPolicy(sleep=lambda _: None)
    )
    yield dd
    dd.close()


@pytest.fixture
def incident_id(emu: DatadogEmulator, client: DatadogClient) -> str:
    body: dict[str, Any] = json.loads(json.dumps(SEED_CREATE_BODY))
    body["data"]["relationships"]["commander_user"]["data"]["id"] = emu.add_user("j@example.com")
    body["data"]["attributes"]["incident_type_uuid"] = emu.default_type_id
    return client.create_incident(IncidentCreateRequest.model_validate(body)).id


def todo_request(
    content: str, *assignees: str, due: date | None = None
) -> IncidentTodoCreateRequest:
    attributes = TodoAttributes(
        content=content,
        assignees=list(assignees),
        due_date=due_on_the_wire(due) if due else None,
    )
    return IncidentTodoCreateRequest(data=TodoCreateData(attributes=attributes))


def test_request_bodies_deserialize_with_the_official_models() -> None:
    link = CreateAttachmentRequest.link("https://emulator.slack.com/archives/C1/p1", "Slack: hi")
    assert model_error(link.to_wire(), OfficialAttachment) is None
    assert link.to_wire()["data"]["attributes"] == {
        "attachment": {
            "documentUrl": "https://emulator.slack.com/archives/C1/p1",
            "title": "Slack: hi",
        },
        "attachment_type": "link",
    }
    create = todo_request("Rotate the key", "@jane@example.com", due=date(2026, 12, 24))
    assert model_error(create.to_wire(), OfficialTodoCreate) is None
    assert create.to_wire()["data"]["attributes"]["due_date"] == "2026-12-24T00:00:00+00:00"
    bare = todo_request("Write it down").to_wire()
    assert bare["data"]["attributes"] == {"content": "Write it down", "assignees": []}
    todo = TodoAttributes(content="Rotate the key", assignees=["@jane@example.com"])
    done = IncidentTodoPatchRequest(todo=todo, completed="2026-12-07T02:00:00+00:00").to_wire()
    reopen = IncidentTodoPatchRequest(todo=todo, completed=None).to_wire()
    assert model_error(done, OfficialTodoPatch) is None
    assert model_error(reopen, OfficialTodoPatch) is None
    assert reopen["data"]["attributes"]["completed"] is None  # null is meant: it reopens


def test_a_link_attachment_is_created_and_listed(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    url = "https://emulator.slack.com/archives/C1/p1700000000000100"
    created = client.create_attachment(incident_id, CreateAttachmentRequest.link(url, "Slack: x"))
    emu.store_attachment(incident_id, "postmortem", "https://app.datadoghq.com/notebook/1", "PM")
    assert created.url == url and created.attachment_type == "link" and created.id
    links = client.list_attachments(incident_id, kinds=("link",))
    assert [(a.id, a.url, a.title) for a in links] == [(created.id, url, "Slack: x")]
    assert len(client.list_attachments(incident_id)) == 2


def test_to_dos_are_created_listed_completed_reopened_and_deleted(
    client: DatadogClient, incident_id: str
) -> None:
    created = client.create_todo(
        incident_id, todo_request("Rotate the key", "@jane@example.com", due=date(2026, 12, 24))
    )
    assert created.content == "Rotate the key"
    assert created.assignees == ("@jane@example.com",)
    assert created.due == date(2026, 12, 24) and not created.done
    attrs = TodoAttributes(content=created.content, assignees=list(created.assignees))
    done = client.update_todo(
        incident_id,
        created.id,
        IncidentTodoPatchRequest(todo=attrs, completed="2026-12-07T02:00:00+00:00"),
    )
    assert done.done
    assert [t.done for t in client.list_todos(incident_id)] == [True]
    reopened = client.update_todo(
        incident_id, created.id, IncidentTodoPatchRequest(todo=attrs, completed=None)
    )
    assert not reopened.done
    client.delete_todo(incident_id, created.id)
    assert client.list_todos(incident_id) == []


def test_a_missing_incident_or_to_do_is_not_found(client: DatadogClient, incident_id: str) -> None:
    gone = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(DatadogNotFound):
        client.list_attachments(gone)
    with pytest.raises(DatadogNotFound):
        client.create_todo(gone, todo_request("x"))
    attrs = TodoAttributes(content="x")
    with pytest.raises(DatadogNotFound):
        client.update_todo(incident_id, gone, IncidentTodoPatchRequest(todo=attrs, completed=None))


def test_a_key_without_incident_write_is_forbidden_and_says_so(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    emu.permissions.discard("incident_write")
    with pytest.raises(DatadogForbidden) as caught:
        client.create_attachment(incident_id, CreateAttachmentRequest.link("https://x", "x"))
    assert caught.value.permission == "incident_write"
    with pytest.raises(DatadogForbidden):
        client.create_todo(incident_id, todo_request("x"))
    assert client.list_todos(incident_id) == []  # reading needs incident_read only


def test_completing_a_to_do_keeps_its_anonymous_assignees(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    """As recorded: Datadog's Slack app assigns by chat identity; the PATCH sends it back."""
    from bot.datadog.record_gateway import DatadogRecord

    slackbot = {
        "icon": "https://a.slack-edge.com/80588/img/slackbot_48.png",
        "id": "USLACKBOT",
        "name": "Slackbot",
        "source": "slack",
    }
    body = {
        "data": {
            "type": "incident_todos",
            "attributes": {"content": "Follow up", "assignees": ["@a@example.com", slackbot]},
        }
    }
    made = client.create_todo(incident_id, IncidentTodoCreateRequest.model_validate(body))
    assert made.assignees == ("@a@example.com",) and made.who == ("@a@example.com", "Slackbot")
    record = DatadogRecord(client)
    done = record.set_done(incident_id, made, True, at="2026-12-07T02:00:00+00:00")
    assert done.done and done.anonymous == made.anonymous
    sent = emu.calls(method="PATCH")[-1].json()
    assert model_error(sent, OfficialTodoPatch) is None
    assert sent["data"]["attributes"]["assignees"] == ["@a@example.com", slackbot]
