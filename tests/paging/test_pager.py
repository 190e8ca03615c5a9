"""The domain's paging models, and `DatadogPager` against the Datadog emulator: what the
person is told when Datadog refuses, and that a lost answer is ambiguous (never resent)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.models import IncidentCreateRequest
from bot.datadog.paging_gateway import NO_ON_CALL, NOT_ALLOWED, DatadogPager
from bot.domain.reliability.outcomes import StepFailed
from bot.domain.responders.paging import (
    MESSAGE_MAX,
    PageRequest,
    PageTarget,
    PageTargetKind,
    page_title,
)
from bot.emulators.datadog import DatadogEmulator
from tests.seed import SEED_CREATE_BODY


@pytest.fixture
def emu() -> Iterator[DatadogEmulator]:
    with DatadogEmulator() as server:
        yield server


@pytest.fixture
def pager(emu: DatadogEmulator) -> Iterator[DatadogPager]:
    client = DatadogClient(
        emu.api_key, emu.app_key, base_url=emu.url, retry=RetryPolicy(sleep=lambda _: None)
    )
    yield DatadogPager(client)
    client.close()


@pytest.fixture
def incident(emu: DatadogEmulator) -> str:
    body = json.loads(json.dumps(SEED_CREATE_BODY))
    body["data"]["relationships"]["commander_user"]["data"]["id"] = emu.owner_id
    body["data"]["attributes"]["incident_type_uuid"] = emu.default_type_id
    client = DatadogClient(emu.api_key, emu.app_key, base_url=emu.url)
    try:
        return client.create_incident(IncidentCreateRequest.model_validate(body)).id
    finally:
        client.close()


def test_a_page_request_keeps_its_message_and_round_trips_as_chore_params() -> None:
    request = PageRequest(target=PageTarget.team("db", "Databases"), message="  look at db  ")
    assert request.message == "look at db"
    assert PageRequest.model_validate(request.params()) == request
    assert PageRequest(target=PageTarget.team("db"), message="   ").message is None
    with pytest.raises(ValidationError):
        PageRequest(target=PageTarget.team("db"), message="x" * (MESSAGE_MAX + 1))
    with pytest.raises(ValidationError):
        PageTarget(kind=PageTargetKind.TEAM_HANDLE, identifier="")
    assert PageTarget.slack_person("U1").unresolved
    assert page_title(12, "Checkout down") == "[IR-12] Checkout down"
    assert len(page_title(1, "x" * 500)) == 200


def test_a_page_carries_the_title_and_message(
    emu: DatadogEmulator, pager: DatadogPager, incident: str
) -> None:
    emu.add_team("db", "Databases")
    request = PageRequest(target=PageTarget.team("db"), message="db is on fire")
    sent = pager.page(incident, request, title="[IR-1] Checkout down")
    assert sent.confirmed
    [page] = emu.sent_pages()
    assert page["page_id"] == sent.page_id
    assert page["attributes"]["title"] == "[IR-1] Checkout down"
    assert page["attributes"]["description"] == "db is on fire"


def test_refusals_say_why_and_what_to_do(
    emu: DatadogEmulator, pager: DatadogPager, incident: str
) -> None:
    emu.add_team("db")
    request = PageRequest(target=PageTarget.team("db"))
    emu.on_call = False
    with pytest.raises(StepFailed) as no_on_call:
        pager.page(incident, request, title="t")
    assert no_on_call.value.reason == NO_ON_CALL and not no_on_call.value.retryable
    emu.on_call = True
    emu.permissions.discard("oncall_page")
    with pytest.raises(StepFailed) as not_allowed:
        pager.page(incident, request, title="t")
    assert not_allowed.value.reason == NOT_ALLOWED
    emu.permissions.add("oncall_page")
    gone = PageRequest(target=PageTarget.person("no-such-user", "U1", "Sam"))
    with pytest.raises(StepFailed) as unknown:
        pager.page(incident, gone, title="t")
    assert "no user Sam" in unknown.value.reason and not unknown.value.ambiguous
    assert emu.sent_pages() == []


def test_a_lost_answer_is_ambiguous(
    emu: DatadogEmulator, pager: DatadogPager, incident: str
) -> None:
    emu.add_team("db")
    emu.inject("POST /api/v2/incidents/{iid}/page", lose_response=True)
    with pytest.raises(StepFailed) as lost:
        pager.page(incident, PageRequest(target=PageTarget.team("db")), title="t")
    assert lost.value.ambiguous
    assert len(emu.sent_pages()) == 1


def test_teams_are_listed_for_the_modal(emu: DatadogEmulator, pager: DatadogPager) -> None:
    emu.add_team("payments-oncall", "Payments on-call")
    assert [(t.handle, t.name) for t in pager.teams("pay")] == [
        ("payments-oncall", "Payments on-call")
    ]
    emu.permissions.discard("teams_read")
    with pytest.raises(StepFailed):
        pager.teams()
