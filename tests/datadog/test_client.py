"""DatadogClient against the Datadog emulator: each behaviour and every error path."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import (
    DatadogAmbiguousError,
    DatadogBadRequest,
    DatadogForbidden,
    DatadogNotFound,
    DatadogRateLimited,
    DatadogServerError,
    DatadogTransportError,
    DatadogUnauthorized,
    error_messages,
)
from bot.datadog.models import IncidentCreateRequest
from bot.datadog.sites import SITES, WEB_HOSTS, incident_url
from bot.emulators.datadog import DatadogEmulator
from tests.seed import SEED_CREATE_BODY


@pytest.fixture
def emulator() -> Iterator[DatadogEmulator]:
    with DatadogEmulator() as running:
        yield running


class Sleeps(list[float]):
    """Records the waits the client asks for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client_for(
    emulator: DatadogEmulator,
    sleeps: Sleeps,
    *,
    api_key: str | None = None,
    app_key: str | None = None,
    site: str = "datadoghq.com",
    timeout: float = 5.0,
) -> DatadogClient:
    return DatadogClient(
        api_key if api_key is not None else emulator.api_key,
        app_key if app_key is not None else emulator.app_key,
        site=site,
        base_url=emulator.url,
        timeout=httpx.Timeout(timeout),
        retry=RetryPolicy(sleep=sleeps, backoff=0.01),
    )


def seed_request(emulator: DatadogEmulator, commander_id: str) -> IncidentCreateRequest:
    body = json.loads(json.dumps(SEED_CREATE_BODY))
    body["data"]["relationships"]["commander_user"]["data"]["id"] = commander_id
    body["data"]["attributes"]["incident_type_uuid"] = emulator.default_type_id
    return IncidentCreateRequest.model_validate(body)


def test_creates_the_seed_example_and_returns_public_id_and_link(emulator, sleeps) -> None:
    commander = emulator.add_user("jane@example.com", "Jane Doe")
    client = client_for(emulator, sleeps)
    incident = client.create_incident(seed_request(emulator, commander))
    assert incident.public_id == 1
    assert incident.url == "https://app.datadoghq.com/incidents/1"
    assert incident.title == "A test incident title"
    assert incident.commander_id == commander
    call = emulator.calls("/api/v2/incidents", "POST")[0]
    assert call.header("DD-API-KEY") == emulator.api_key
    assert call.header("DD-APPLICATION-KEY") == emulator.app_key
    assert call.json() == seed_request(emulator, commander).to_wire()
    assert client.get_incident(incident.id).public_id == 1


@pytest.mark.parametrize("site", SITES)
def test_incident_link_follows_the_site(site: str) -> None:
    assert incident_url(site, 42) == f"https://{WEB_HOSTS[site]}/incidents/42"
    assert DatadogClient("k", "a", site=site).base_url == f"https://api.{site}"


def test_finds_the_active_user_by_exact_email(emulator, sleeps) -> None:
    emulator.add_user("jbob@example.com", "Not Bob")
    emulator.add_user("bob@example.com.au", "Other Bob")
    emulator.add_user("bob@example.com", "Old Bob", disabled=True)
    wanted = emulator.add_user("Bob@Example.com", "Bob")
    emulator.add_user("pending-bob@example.com", "Pending", status="Pending")
    client = client_for(emulator, sleeps)
    user = client.find_active_user_by_email("BOB@example.COM")
    assert user is not None and user.id == wanted
    assert client.find_active_user_by_email("nobody@example.com") is None
    query = emulator.calls("/api/v2/users")[0].query
    assert query["filter[status]"] == ["Active"]


def test_follows_pages_to_find_the_user(emulator, sleeps) -> None:
    for n in range(150):
        emulator.add_user(f"aaa{n:03d}.team@example.com", f"Aaa {n:03d}")
    wanted = emulator.add_user("team@example.com", "Zed Team")
    user = client_for(emulator, sleeps).find_active_user_by_email("team@example.com")
    assert user is not None and user.id == wanted
    assert len(emulator.calls("/api/v2/users")) == 2


def test_400_carries_datadogs_message(emulator, sleeps) -> None:
    commander = emulator.add_user("jane@example.com")
    body = seed_request(emulator, commander).to_wire()
    body["data"]["attributes"]["customer_impacted"] = True
    del body["data"]["attributes"]["customer_impact_scope"]
    with pytest.raises(DatadogBadRequest) as caught:
        client_for(emulator, sleeps).create_incident(IncidentCreateRequest.model_validate(body))
    assert caught.value.status == 400
    assert "customer_impact_scope" in caught.value.user_message
    assert "Check the form" in caught.value.user_message


def test_401_names_the_keys_and_site(emulator, sleeps) -> None:
    client = client_for(emulator, sleeps, api_key="")
    with pytest.raises(DatadogUnauthorized) as caught:
        client.get_incident("1")
    message = caught.value.user_message
    assert "Unauthorized" in message
    assert "DD_API_KEY" in message and "DD_APP_KEY" in message and "DD_SITE" in message


def test_403_names_the_permission_per_operation(emulator, sleeps) -> None:
    emulator.permissions.discard("incident_write")
    emulator.permissions.discard("user_access_read")
    client = client_for(emulator, sleeps)
    commander = emulator.add_user("jane@example.com")
    with pytest.raises(DatadogForbidden) as create:
        client.create_incident(seed_request(emulator, commander))
    assert "`incident_write`" in create.value.user_message
    assert "Failed permission authorization checks" in create.value.user_message
    with pytest.raises(DatadogForbidden) as users:
        client.find_active_user_by_email("jane@example.com")
    assert "`user_access_read`" in users.value.user_message


def test_wrong_key_is_403_forbidden(emulator, sleeps) -> None:
    with pytest.raises(DatadogForbidden) as caught:
        client_for(emulator, sleeps, app_key="wrong").get_incident("1")
    assert "Forbidden" in caught.value.user_message


def test_404(emulator, sleeps) -> None:
    with pytest.raises(DatadogNotFound) as caught:
        client_for(emulator, sleeps).get_incident("no-such-incident")
    assert "Incident not found" in caught.value.user_message


def test_both_error_body_shapes() -> None:
    assert error_messages({"errors": ["Bad Request"]}) == ["Bad Request"]
    shaped = {"errors": [{"status": "403", "title": "Forbidden", "detail": "No access"}]}
    assert error_messages(shaped) == ["Forbidden: No access"]
    assert error_messages({"unexpected": 1}) == []


def test_429_waits_for_the_reset_then_retries(emulator, sleeps) -> None:
    commander = emulator.add_user("jane@example.com")
    emulator.inject("POST /api/v2/incidents", status=429, headers={"X-RateLimit-Reset": "7"})
    incident = client_for(emulator, sleeps).create_incident(seed_request(emulator, commander))
    assert incident.public_id == 1
    assert len(sleeps) == 1 and 7 <= sleeps[0] < 7.2
    assert len(emulator.calls("/api/v2/incidents", "POST")) == 2


def test_429_retries_are_bounded(emulator, sleeps) -> None:
    emulator.inject("GET /api/v2/users", status=429, times=10)
    with pytest.raises(DatadogRateLimited) as caught:
        client_for(emulator, sleeps).find_active_user_by_email("a@example.com")
    assert len(emulator.calls("/api/v2/users")) == 4
    assert "rate limiting" in caught.value.user_message


def test_reads_retry_5xx_with_backoff(emulator, sleeps) -> None:
    emulator.add_user("jane@example.com")
    emulator.inject("GET /api/v2/users", status=503, times=2)
    user = client_for(emulator, sleeps).find_active_user_by_email("jane@example.com")
    assert user is not None
    assert len(sleeps) == 2


def test_create_is_never_retried_after_a_5xx(emulator, sleeps) -> None:
    commander = emulator.add_user("jane@example.com")
    emulator.inject("POST /api/v2/incidents", status=502)
    with pytest.raises(DatadogServerError) as caught:
        client_for(emulator, sleeps).create_incident(seed_request(emulator, commander))
    assert len(emulator.calls("/api/v2/incidents", "POST")) == 1
    assert "status page" in caught.value.user_message


def test_create_timeout_is_ambiguous_and_not_retried(emulator, sleeps) -> None:
    commander = emulator.add_user("jane@example.com")
    emulator.inject("POST /api/v2/incidents", delay=1.0)
    client = client_for(emulator, sleeps, timeout=0.3)
    with pytest.raises(DatadogAmbiguousError):
        client.create_incident(seed_request(emulator, commander))
    assert len(emulator.calls("/api/v2/incidents", "POST")) == 1


def test_lost_response_is_ambiguous_and_the_incident_exists(emulator, sleeps) -> None:
    commander = emulator.add_user("jane@example.com")
    emulator.inject("POST /api/v2/incidents", lose_response=True)
    with pytest.raises(DatadogAmbiguousError):
        client_for(emulator, sleeps).create_incident(seed_request(emulator, commander))
    assert len(emulator.incidents) == 1


def test_reads_retry_a_dropped_connection(emulator, sleeps) -> None:
    emulator.add_user("jane@example.com")
    emulator.inject("GET /api/v2/users", drop=True)
    assert client_for(emulator, sleeps).find_active_user_by_email("jane@example.com")


def test_unreachable_datadog_is_a_transport_error(sleeps) -> None:
    client = DatadogClient("k", "a", base_url="http://127.0.0.1:9", retry=RetryPolicy(sleep=sleeps))
    with pytest.raises(DatadogTransportError) as caught:
        client.get_incident("1")
    assert "Could not reach Datadog" in caught.value.user_message
    assert len(sleeps) == 2


def test_search_finds_incidents_newest_first(emulator, sleeps) -> None:
    commander = emulator.add_user("jane@example.com")
    client = client_for(emulator, sleeps)
    first = client.create_incident(seed_request(emulator, commander))
    second = client.create_incident(seed_request(emulator, commander))
    found = client.search_incidents("A test incident title")
    assert [i.public_id for i in found] == [second.public_id, first.public_id]
