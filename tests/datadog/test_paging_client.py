"""DatadogClient's paging against the Datadog emulator: teams, a page, and its refusals.

Bodies are checked with the official client's models both ways: the request as
`IncidentCreateOnCallPageRequest` (the operation at `/page`) and as
`IncidentCreatePageFromIncidentRequest` (the issue's name, the deprecated `/cases/page`),
the answers as `IncidentPageUUIDResponse` and `TeamsResponse`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from datadog_api_client.v2.model.incident_create_on_call_page_request import (
    IncidentCreateOnCallPageRequest,
)
from datadog_api_client.v2.model.incident_create_page_from_incident_request import (
    IncidentCreatePageFromIncidentRequest,
)
from datadog_api_client.v2.model.incident_page_uuid_response import IncidentPageUUIDResponse
from pydantic import ValidationError

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import DatadogAmbiguousError, DatadogForbidden, DatadogNotFound
from bot.datadog.models import IncidentCreateRequest
from bot.datadog.paging_models import IncidentPageRequest, PageAttributes, PageData, PageTarget
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.paging_routes import NO_ON_CALL
from bot.emulators.datadog.validate import model_error
from tests.seed import SEED_CREATE_BODY


@pytest.fixture
def client(emu: DatadogEmulator) -> Iterator[DatadogClient]:
    c = DatadogClient(
        emu.api_key, emu.app_key, base_url=emu.url, retry=RetryPolicy(sleep=lambda _: None)
    )
    yield c
    c.close()


@pytest.fixture
def incident_id(emu: DatadogEmulator, client: DatadogClient) -> str:
    body = json.loads(json.dumps(SEED_CREATE_BODY))
    commander = emu.add_user("jane@example.com", "Jane Doe")
    body["data"]["relationships"]["commander_user"]["data"]["id"] = commander
    body["data"]["attributes"]["incident_type_uuid"] = emu.default_type_id
    return client.create_incident(IncidentCreateRequest.model_validate(body)).id


def page(
    kind: str, identifier: str, description: str | None = "Checkout is down"
) -> IncidentPageRequest:
    target = PageTarget(type=kind, identifier=identifier)
    attributes = PageAttributes(
        target=target, title="[IR-1] Checkout down", description=description
    )
    return IncidentPageRequest(data=PageData(attributes=attributes))


def test_the_request_is_the_official_clients_for_both_page_operations() -> None:
    for kind in ("team_handle", "team_uuid", "user_uuid"):
        wire = page(kind, "x").to_wire()
        assert model_error(wire, IncidentCreateOnCallPageRequest) is None
        assert model_error(wire, IncidentCreatePageFromIncidentRequest) is None
    assert "description" not in page("user_uuid", "x", None).to_wire()["data"]["attributes"]
    with pytest.raises(ValidationError):
        PageTarget(type="team_id", identifier="x")


def test_a_team_page_answers_a_page_id_and_is_kept(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    emu.add_team("payments-oncall", "Payments on-call")
    page_id = client.page_from_incident(incident_id, page("team_handle", "payments-oncall"))
    sent = emu.sent_pages()
    assert [p["page_id"] for p in sent] == [page_id]
    assert sent[0]["attributes"]["target"] == {
        "type": "team_handle",
        "identifier": "payments-oncall",
    }
    answer = {"data": {"id": page_id, "type": "page_uuid"}}
    assert model_error(answer, IncidentPageUUIDResponse) is None


def test_a_user_and_a_team_uuid_can_be_paged(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    user = emu.add_user("sam@example.com", "Sam")
    team = emu.add_team("db")
    client.page_from_incident(incident_id, page("user_uuid", user))
    client.page_from_incident(incident_id, page("team_uuid", team))
    assert [p["attributes"]["target"]["identifier"] for p in emu.sent_pages()] == [user, team]


def test_unknown_targets_are_404_and_nothing_is_paged(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    for kind in ("team_handle", "team_uuid", "user_uuid"):
        with pytest.raises(DatadogNotFound):
            client.page_from_incident(incident_id, page(kind, "nobody"))
    with pytest.raises(DatadogNotFound):
        client.page_from_incident("no-such-incident", page("team_handle", "x"))
    assert emu.sent_pages() == []


def test_no_on_call_or_a_missing_permission_is_a_403_saying_why(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    emu.add_team("db")
    emu.on_call = False
    with pytest.raises(DatadogForbidden) as refused:
        client.page_from_incident(incident_id, page("team_handle", "db"))
    assert NO_ON_CALL in refused.value.reason
    emu.on_call = True
    for permission in ("oncall_page", "incident_write"):
        emu.permissions.discard(permission)
        with pytest.raises(DatadogForbidden):
            client.page_from_incident(incident_id, page("team_handle", "db"))
        emu.permissions.add(permission)
    assert emu.sent_pages() == []


def test_a_page_is_never_resent_after_a_lost_answer(
    emu: DatadogEmulator, client: DatadogClient, incident_id: str
) -> None:
    """The page went out; the answer did not come back: the client says so, once."""
    emu.add_team("db")
    emu.inject("POST /api/v2/incidents/{iid}/page", lose_response=True)
    with pytest.raises(DatadogAmbiguousError):
        client.page_from_incident(incident_id, page("team_handle", "db"))
    assert len(emu.sent_pages()) == 1


def test_teams_are_listed_filtered_and_shaped_as_datadogs(
    emu: DatadogEmulator, client: DatadogClient
) -> None:
    emu.add_team("payments-oncall", "Payments on-call")
    emu.add_team("db", "Databases")
    assert [t.handle for t in client.list_teams()] == ["db", "payments-oncall"]
    assert [t.name for t in client.list_teams("PAY")] == ["Payments on-call"]
    assert client.list_teams("nothing") == []
    emu.permissions.discard("teams_read")
    with pytest.raises(DatadogForbidden):
        client.list_teams()
