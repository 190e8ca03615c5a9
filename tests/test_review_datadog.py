"""Issue 11 M3 and L3: unreadable Datadog answers and credentials in DD_API_URL.

Real HTTP against the Datadog emulator; the emulator's fault injection answers 200 with an
empty body (`status=200, body=""`).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import DatadogError, DatadogUnreadableResponse
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.stack import ALICE, LocalStack


@pytest.fixture
def emulator() -> Iterator[DatadogEmulator]:
    with DatadogEmulator() as running:
        yield running


def client_for(emulator: DatadogEmulator) -> DatadogClient:
    return DatadogClient(
        emulator.api_key,
        emulator.app_key,
        base_url=emulator.url,
        timeout=httpx.Timeout(5.0),
        retry=RetryPolicy(sleep=lambda _: None, backoff=0.01),
    )


# --- M3: a 2xx whose body can't be read ---------------------------------------------------


def test_submit_with_an_empty_200_from_users_shows_why_under_the_commander(
    stack: LocalStack,
) -> None:
    # Every users read answers 200 with nothing, the prefetch at open as well as submit's.
    stack.datadog.inject("GET /api/v2/users", status=200, body="", times=50)
    response = stack.declare("DB down", commander=ALICE)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["response_action"] == "errors", answer
    message = answer["errors"]["commander"]
    assert "could not be read" in message and "/api/v2/users" in message
    assert "retry" in message.lower()
    assert stack.datadog.created_bodies() == []


@pytest.mark.parametrize("body", ["", "{", "[]", '{"data": "not a list"}'])
def test_every_read_turns_an_unreadable_200_into_a_typed_error(
    emulator: DatadogEmulator, body: str
) -> None:
    client = client_for(emulator)
    reads = {
        "GET /api/v2/users": lambda: client.find_active_user_by_email("jane@example.com"),
        "GET /api/v2/incidents/search": lambda: client.search_incidents("state:active"),
        "GET /api/v2/incidents": lambda: client.list_incidents(),
        "GET /api/v2/incidents/{id}": lambda: client.get_incident("nope"),
        "GET /api/v2/incidents/config/types": client.list_incident_types,
        "GET /api/v2/incidents/config/user-defined-fields": client.list_all_user_defined_fields,
    }
    try:
        for route, read in reads.items():
            emulator.inject(route, status=200, body=body)
            with pytest.raises(DatadogUnreadableResponse) as caught:
                read()
            error = caught.value
            assert isinstance(error, DatadogError)
            assert error.status == 200 and not error.ambiguous
            assert "could not be read" in error.user_message, route
    finally:
        client.close()


def test_an_unreadable_create_answer_may_have_made_the_incident(emulator: DatadogEmulator) -> None:
    from tests.test_datadog_client import seed_request

    commander = emulator.add_user("jane@example.com")
    emulator.inject("POST /api/v2/incidents", status=201, body="")
    client = client_for(emulator)
    try:
        with pytest.raises(DatadogUnreadableResponse) as caught:
            client.create_incident(seed_request(emulator, commander))
    finally:
        client.close()
    assert caught.value.ambiguous, "a 2xx to a create may have made the incident"
