"""DatadogClient's incident lifecycle calls against the Datadog emulator over real HTTP.

A PATCH of the same fields is safe to resend, so it is retried (5xx, 429, timeouts) like a
read; a create never is once it may have been sent. Errors are typed, parsing is lenient.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.datadog.client import OPEN_QUERY, DatadogClient, RetryPolicy
from bot.datadog.errors import (
    DatadogAmbiguousError,
    DatadogBadRequest,
    DatadogForbidden,
    DatadogNotFound,
    DatadogRateLimited,
    DatadogServerError,
    DatadogTransportError,
    DatadogUnreadableResponse,
)
from bot.datadog.models import IncidentCreateAttributes, IncidentCreateData, IncidentCreateRequest
from bot.datadog.update_models import update_request
from bot.domain.incident.declaration import CustomField
from bot.domain.incident.org import FieldKind
from bot.domain.incident.state import IncidentChanges, IncidentUser
from bot.emulators.datadog import DatadogEmulator
from tests.datadog.conftest import Sleeps

PATCH_ROUTE = "PATCH /api/v2/incidents/{id}"


@pytest.fixture
def client(emu: DatadogEmulator, sleeps: Sleeps) -> Iterator[DatadogClient]:
    dd = DatadogClient(
        emu.api_key,
        emu.app_key,
        base_url=emu.url,
        timeout=httpx.Timeout(0.5),
        retry=RetryPolicy(sleep=sleeps, backoff=0.01),
    )
    yield dd
    dd.close()


def create(client: DatadogClient, title: str = "Checkout errors") -> str:
    attributes = IncidentCreateAttributes(title=title, customer_impacted=False)
    request = IncidentCreateRequest(data=IncidentCreateData(attributes=attributes))
    return client.create_incident(request).id


def body(iid: str, **attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "incidents", "id": iid, "attributes": attributes}}


def severity(iid: str, value: str) -> dict[str, Any]:
    return body(iid, fields={"severity": {"type": "dropdown", "value": value}})


def test_update_get_and_search_read_the_lifecycle(
    emu: DatadogEmulator, client: DatadogClient
) -> None:
    emu.add_field("services_hit", "multiselect", valid_values=[{"value": "api"}])
    iid = create(client)
    jane = emu.add_user("jane@example.com", "Jane")
    changes = IncidentChanges(
        severity="SEV-2",
        commander=IncidentUser(datadog_id=jane),
        customer_impacted=True,
        customer_impact_scope="EU",
        fields=(CustomField(name="services_hit", kind=FieldKind.MULTISELECT, values=("api",)),),
    )
    request = update_request(iid, changes)
    updated = client.update_incident(iid, request)
    assert (updated.severity, updated.commander_id) == ("SEV-2", jane)  # from attributes
    assert updated.customer_impacted and updated.customer_impact_scope == "EU"
    assert updated.last_modified_by_id == emu.owner_id
    assert emu.updated_bodies(iid) == [request.to_wire()]
    view = client.view(updated)
    assert (view.incident_id, view.severity, view.commander_id) == (iid, "SEV-2", jane)
    assert view.values_of("services_hit") == ("api",)
    assert view.url == client.incident_url(view.public_id)

    bob = emu.add_user("bob@example.com", "Bob")
    emu.edit_incident(iid, by=bob, attributes={"title": "Checkout down"})
    fetched = client.get_incident(iid)
    assert (fetched.title, fetched.severity, fetched.commander_id) == (
        "Checkout down",
        "SEV-2",
        jane,
    )
    assert fetched.modified and updated.modified and fetched.modified > updated.modified
    assert fetched.last_modified_by_id == bob
    assert client.view(fetched).last_modified_by == IncidentUser(datadog_id=bob)

    end = datetime(2099, 1, 1, tzinfo=UTC)
    cleared = CustomField(name="services_hit", kind=FieldKind.MULTISELECT, values=())
    resolve = IncidentChanges(state="resolved", customer_impact_end=end, fields=(cleared,))
    resolved = client.update_incident(iid, update_request(iid, resolve))
    assert resolved.state == "resolved" and resolved.resolved
    assert resolved.fields["state"] == {"type": "dropdown", "value": "resolved"}
    assert resolved.customer_impact_end == "2099-01-01T00:00:00+00:00"
    assert client.view(resolved).resolved and client.view(resolved).customer_impact_end == end
    assert client.view(resolved).values_of("services_hit") == ()


def test_open_incidents_newest_first_over_pages(
    emu: DatadogEmulator, client: DatadogClient
) -> None:
    ids = [create(client, f"incident {n}") for n in range(5)]
    client.update_incident(
        ids[1], body(ids[1], fields={"state": {"type": "dropdown", "value": "resolved"}})
    )
    found = client.open_incidents(page_size=2)
    assert [i.id for i in found] == [ids[4], ids[3], ids[2], ids[0]]
    assert [client.view(i).incident_id for i in found] == [i.id for i in found]
    assert [i.id for i in client.open_incidents(limit=3, page_size=2)] == ids[4:1:-1]
    searches = emu.calls("/api/v2/incidents/search")
    assert {s.query["query"][0] for s in searches} == {OPEN_QUERY}


def test_patch_is_retried_on_503_429_and_timeouts(
    emu: DatadogEmulator, client: DatadogClient, sleeps: Sleeps
) -> None:
    iid = create(client)
    emu.inject(PATCH_ROUTE, status=503)
    emu.inject(PATCH_ROUTE, status=429)
    emu.inject(PATCH_ROUTE, delay=1.0)
    assert client.update_incident(iid, severity(iid, "SEV-1")).severity == "SEV-1"
    assert len(emu.calls(f"/api/v2/incidents/{iid}", "PATCH")) == 4
    assert len(sleeps) == 3
    emu.inject(PATCH_ROUTE, status=503, times=10)
    with pytest.raises(DatadogServerError) as caught:
        client.update_incident(iid, severity(iid, "SEV-2"))
    assert caught.value.status == 503
    assert len(emu.calls(f"/api/v2/incidents/{iid}", "PATCH")) == 4 + 3  # 1 + read_retries
    emu.clear_faults()
    emu.inject(PATCH_ROUTE, lose_response=True, times=10)
    with pytest.raises(DatadogTransportError) as lost:
        client.update_incident(iid, severity(iid, "SEV-3"))
    assert not isinstance(lost.value, DatadogAmbiguousError)  # resending is safe


def test_create_is_never_retried_on_503(emu: DatadogEmulator, client: DatadogClient) -> None:
    emu.inject("POST /api/v2/incidents", status=503)
    with pytest.raises(DatadogServerError):
        create(client)
    assert len(emu.calls("/api/v2/incidents", "POST")) == 1
    emu.inject("POST /api/v2/incidents", lose_response=True)
    with pytest.raises(DatadogAmbiguousError):
        create(client)
    assert len(emu.calls("/api/v2/incidents", "POST")) == 2


def test_typed_errors(emu: DatadogEmulator, client: DatadogClient) -> None:
    iid = create(client)
    with pytest.raises(DatadogBadRequest) as bad:
        client.update_incident(iid, severity(iid, "SEV-9"))
    assert bad.value.messages == ["Invalid value 'SEV-9' for field 'severity'"]
    missing = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(DatadogNotFound):
        client.update_incident(missing, severity(missing, "SEV-1"))
    with pytest.raises(DatadogNotFound):
        client.get_incident(missing)
    emu.permissions.discard("incident_write")
    with pytest.raises(DatadogForbidden) as forbidden:
        client.update_incident(iid, severity(iid, "SEV-1"))
    assert "incident_write" in forbidden.value.user_message
    emu.permissions.add("incident_write")
    emu.inject(PATCH_ROUTE, status=429, times=10)
    with pytest.raises(DatadogRateLimited):
        client.update_incident(iid, severity(iid, "SEV-1"))
    emu.clear_faults()
    emu.inject(PATCH_ROUTE, body="<html>oops</html>")
    with pytest.raises(DatadogUnreadableResponse) as unreadable:
        client.update_incident(iid, severity(iid, "SEV-1"))
    assert not unreadable.value.ambiguous  # the PATCH took effect and may be resent
    assert client.get_incident(iid).severity == "SEV-1"


def test_lenient_parsing_of_undocumented_keys_and_nulls(
    emu: DatadogEmulator, client: DatadogClient
) -> None:
    iid = create(client)

    def odd(real: dict[str, Any]) -> str:
        answer = json.loads(json.dumps(real))
        attrs = answer["data"]["attributes"]
        attrs |= {"fields": None, "modified": None, "brand_new_key": {"nested": [1, None]}}
        attrs["last_modified_by"] = None
        answer["data"]["relationships"] = None
        answer["unexpected"] = True
        return json.dumps(answer)

    emu.inject("GET /api/v2/incidents/{id}", body=odd)
    incident = client.get_incident(iid)
    assert (incident.id, incident.title, incident.fields) == (iid, "Checkout errors", {})
    assert incident.commander_id is None and incident.modified is None
