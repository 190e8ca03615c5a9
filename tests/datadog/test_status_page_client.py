"""Status Pages through the client and the gateway: recorded shapes read, bodies the
official client accepts, one create never sent twice, and Datadog's 403/404 told clearly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from datadog_api_client.v2.model.create_degradation_request import (
    CreateDegradationRequest as OfficialCreate,
)
from datadog_api_client.v2.model.patch_degradation_request import (
    PatchDegradationRequest as OfficialPatch,
)

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.status_page_gateway import DatadogStatusPages
from bot.datadog.status_page_models import (
    DegradationCreateRequest,
    DegradationPatchRequest,
    DegradationResponse,
    StatusPageResponse,
    create_request,
    degradation,
    patch_request,
    status_page,
)
from bot.domain.cadence.status_page import (
    AffectedComponent,
    ComponentStatus,
    Notice,
    NoticeStatus,
)
from bot.domain.reliability.outcomes import StepFailed
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.validate import model_error
from tests.conftest import shared_path
from tests.datadog.conftest import Sleeps


def recorded(name: str) -> list[dict[str, Any]]:
    path = shared_path("datadog", "cassettes", name)
    interactions: list[dict[str, Any]] = yaml.safe_load(path.read_text())["interactions"]
    return interactions


def body_of(interaction: dict[str, Any], part: str) -> Any:
    raw = interaction[part]["body"]
    return json.loads(raw["string"] if part == "response" else raw)


@pytest.fixture
def client(emu: DatadogEmulator, sleeps: Sleeps) -> Iterator[DatadogClient]:
    c = DatadogClient(emu.api_key, emu.app_key, base_url=emu.url, retry=RetryPolicy(sleep=sleeps))
    yield c
    c.close()


def notice_for(emu: DatadogEmulator, page_id: str, **changes: Any) -> Notice:
    login = emu.component_id(page_id, "Login")
    notice = Notice(
        incident_id="inc-1",
        title="Login is failing",
        message="Some people can't log in. We are on it.",
        components=(AffectedComponent(id=login, status=ComponentStatus.MAJOR_OUTAGE),),
    )
    return notice.model_copy(update=changes)


def test_the_recorded_page_reads_as_its_components_flattened() -> None:
    get = next(
        i
        for i in recorded("test_get_status_page_returns_ok_response.yaml")
        if i["request"]["method"] == "GET"
    )
    page = status_page(StatusPageResponse.model_validate(body_of(get, "response")).data)
    assert [(c.group, c.name, c.status) for c in page.components] == [
        ("Application", "Login", ComponentStatus.OPERATIONAL),
        ("Application", "Settings", ComponentStatus.OPERATIONAL),
    ]
    assert page.url and page.url.endswith("/view")
    assert page.components[0].label == "Application / Login"


def test_recorded_degradation_bodies_fit_our_strict_models_and_answers_read() -> None:
    create = recorded("test_create_degradation_returns_created_response.yaml")[1]
    sent = body_of(create, "request")
    assert DegradationCreateRequest.model_validate(sent).to_wire() == sent
    made = degradation(DegradationResponse.model_validate(body_of(create, "response")).data, "p")
    assert made.status is NoticeStatus.INVESTIGATING and made.title == "Elevated API Latency"
    assert list(made.components.values()) == [ComponentStatus.MAJOR_OUTAGE]
    assert made.page_id == "7a6eba5d-657a-416e-943f-59102f88c3b5" and made.created_at
    patch = recorded("test_update_degradation_returns_ok_response.yaml")[2]
    assert DegradationPatchRequest.model_validate(body_of(patch, "request")).to_wire() == (
        body_of(patch, "request")
    )


def test_our_bodies_deserialize_with_the_official_models() -> None:
    notice = Notice(
        incident_id="i",
        title="T",
        message="",
        components=(
            AffectedComponent(id="1234abcd-12ab-34cd-56ef-123456abcdef", status="degraded"),
        ),
    )
    created = create_request(notice).to_wire()
    assert model_error(created, OfficialCreate) is None
    assert "description" not in created["data"]["attributes"]  # no None, no empty text
    patched = patch_request(
        "1234abcd-12ab-34cd-56ef-123456abcdef", notice.resolved("Fixed.")
    ).to_wire()
    assert model_error(patched, OfficialPatch) is None
    assert patched["data"]["attributes"]["status"] == "resolved"
    assert patched["data"]["attributes"]["components_affected"][0]["status"] == "operational"


def test_publish_then_change_through_the_gateway(
    emu: DatadogEmulator, client: DatadogClient
) -> None:
    page_id = emu.add_status_page()
    pages = DatadogStatusPages(client)
    page = pages.status_page(page_id)
    assert [c.name for c in page.components] == ["Login", "Settings"]
    notice = notice_for(emu, page_id)
    made = pages.create(page_id, notice)
    assert made.says(notice) and made.made_by(notice, accepted_at=made.created_at or 0)
    assert pages.status_page(page_id).component(notice.components[0].id).status == "major_outage"  # type: ignore[union-attr]
    later = notice.model_copy(update={"status": NoticeStatus.IDENTIFIED, "message": "Found it."})
    changed = pages.update(page_id, made.id, later)
    assert changed.id == made.id and changed.says(later)
    listed = pages.degradations(page_id)
    assert [d.id for d in listed] == [made.id] and listed[0].says(later)
    assert [method for method, _ in emu.degradation_bodies] == ["POST", "PATCH"]
    for method, body in emu.degradation_bodies:
        assert model_error(body, OfficialCreate if method == "POST" else OfficialPatch) is None


def test_a_create_whose_answer_is_lost_is_not_sent_again(
    emu: DatadogEmulator, client: DatadogClient
) -> None:
    page_id = emu.add_status_page()
    emu.inject("POST /api/v2/statuspages/{p}/degradations", lose_response=True)
    with pytest.raises(StepFailed) as failed:
        DatadogStatusPages(client).create(page_id, notice_for(emu, page_id))
    assert failed.value.ambiguous and failed.value.retryable
    assert len(emu.page_degradations(page_id)) == 1
    assert len(emu.calls(method="POST")) == 1


def test_a_missing_page_or_notice_is_said_plainly(
    emu: DatadogEmulator, client: DatadogClient
) -> None:
    pages = DatadogStatusPages(client)
    missing = "00000000-0000-0000-0000-00000000dead"
    with pytest.raises(StepFailed) as gone:
        pages.status_page(missing)
    assert (
        f"no status page {missing}" in gone.value.reason
        and "DECLARE_STATUS_PAGE" in gone.value.reason
    )
    assert not gone.value.retryable
    page_id = emu.add_status_page()
    with pytest.raises(StepFailed) as notice_gone:
        pages.update(page_id, missing, notice_for(emu, page_id))
    assert "notice on the status page is gone" in notice_gone.value.reason


def test_a_key_without_the_permission_is_told_which(
    emu: DatadogEmulator, client: DatadogClient
) -> None:
    page_id = emu.add_status_page()
    emu.permissions.discard("status_pages_incident_write")
    with pytest.raises(StepFailed) as denied:
        DatadogStatusPages(client).create(page_id, notice_for(emu, page_id))
    assert "403" in denied.value.reason and "status_pages_incident_write" in denied.value.reason
    assert not denied.value.retryable and emu.page_degradations(page_id) == []
