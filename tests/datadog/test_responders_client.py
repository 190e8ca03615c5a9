"""DatadogClient's roles and responders against the emulator: the bodies it sends (the
official `IncidentResponderRequest`), what it reads back, and its errors."""

from __future__ import annotations

import json

import pytest
from datadog_api_client.v2.model.incident_responder_request import IncidentResponderRequest

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import DatadogAmbiguousError, DatadogForbidden, DatadogNotFound
from bot.datadog.models import IncidentCreateRequest
from bot.datadog.responders import responder_request
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error
from tests.datadog.conftest import Sleeps
from tests.seed import SEED_CREATE_BODY


def client_for(emu: DatadogEmulator, sleeps: Sleeps) -> DatadogClient:
    return DatadogClient(
        emu.api_key, emu.app_key, base_url=emu.url, retry=RetryPolicy(sleep=sleeps, backoff=0.01)
    )


def declared(emu: DatadogEmulator, client: DatadogClient) -> tuple[str, str]:
    commander = emu.add_user("carla@example.com", "Carla")
    body = json.loads(json.dumps(SEED_CREATE_BODY))
    body["data"]["relationships"]["commander_user"]["data"]["id"] = commander
    body["data"]["attributes"]["incident_type_uuid"] = emu.default_type_id
    return client.create_incident(IncidentCreateRequest.model_validate(body)).id, commander


def test_the_request_body_is_the_official_models() -> None:
    user = "00000000-0000-0000-0000-000000000001"
    role = "00000000-0000-0000-0000-000000000002"
    for body in (responder_request(user).to_wire(), responder_request(user, role).to_wire()):
        assert model_error(body, IncidentResponderRequest) is None
        assert "null" not in json.dumps(body)
    assert "role_assignments" not in json.dumps(responder_request(user).to_wire())


def test_roles_responders_and_who_they_are(emu: DatadogEmulator, sleeps: Sleeps) -> None:
    client = client_for(emu, sleeps)
    incident_id, commander = declared(emu, client)
    scribe = emu.add_role("Scribe", description="Keeps notes", is_single=True)
    roles = client.list_incident_roles()
    assert [(r.id, r.name, r.description, r.is_single) for r in roles] == [
        (scribe, "Scribe", "Keeps notes", True)
    ]
    bob = emu.add_user("Bob@Example.com", "Bob Builder")
    added = client.add_responder(incident_id, bob, scribe)
    assert (added.datadog_user_id, added.name, added.email, added.role_id) == (
        bob,
        "Bob Builder",
        "bob@example.com",
        scribe,
    )
    assert added.created_by_id == emu.owner_id
    listed = client.list_responders(incident_id)
    assert [r.datadog_user_id for r in listed] == [commander, bob]
    assert listed[1].with_role_names({r.id: r for r in roles}).role_name == "Scribe"
    client.remove_responder(incident_id, added.responder_id)
    assert [r.datadog_user_id for r in client.list_responders(incident_id)] == [commander]
    with pytest.raises(DatadogNotFound):
        client.remove_responder(incident_id, added.responder_id)


def test_a_missing_permission_names_it(emu: DatadogEmulator, sleeps: Sleeps) -> None:
    client = client_for(emu, sleeps)
    emu.permissions.discard("incident_settings_read")
    with pytest.raises(DatadogForbidden) as refused:
        client.list_incident_roles()
    assert "incident_settings_read" in refused.value.user_message


def test_an_add_whose_answer_is_lost_is_not_resent(emu: DatadogEmulator, sleeps: Sleeps) -> None:
    """The emulator adds the responder, then closes the socket: the client says it may have
    happened, and sends nothing again (the chore looks first)."""
    client = client_for(emu, sleeps)
    incident_id, _ = declared(emu, client)
    bob = emu.add_user("bob@example.com")
    emu.inject("POST /api/v2/incidents/{iid}/responders", lose_response=True)
    with pytest.raises(DatadogAmbiguousError):
        client.add_responder(incident_id, bob)
    posts = [c for c in emu.calls() if c.method == "POST" and c.path.endswith("/responders")]
    assert len(posts) == 1
    assert [r.datadog_user_id for r in client.list_responders(incident_id)][-1] == bob
