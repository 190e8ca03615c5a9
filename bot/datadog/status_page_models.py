"""Datadog Status Pages bodies: a page and its components, degradations (public notices).

Request models are strict (the official client's `CreateDegradationRequest` and
`PatchDegradationRequest`, tests/datadog/test_status_page_client.py checks them), response
models lenient (the recordings carry nulls and keys the spec does not list). Datadog's
`source` of a degradation (`{"type": "incident", "source_id": ...}`) is read only: the
API takes no source on create, so the bot finds its own notices by what it sent
(bot/domain/cadence/status_page.py).
"""

from __future__ import annotations

from typing import Any, Literal

from bot.datadog.models import Lenient, _Wire
from bot.domain.cadence.status_page import (
    ComponentStatus,
    Degradation,
    Notice,
    NoticeStatus,
    PageComponent,
    StatusPage,
    iso_seconds,
)

# --- requests (strict) ---------------------------------------------------------------


class AffectedComponentWire(_Wire):
    id: str
    status: ComponentStatus


class DegradationCreateAttributes(_Wire):
    components_affected: list[AffectedComponentWire]
    status: NoticeStatus
    title: str
    description: str | None = None


class DegradationCreateData(_Wire):
    type: Literal["degradations"] = "degradations"
    attributes: DegradationCreateAttributes


class DegradationCreateRequest(_Wire):
    """Body of POST /api/v2/statuspages/{page_id}/degradations."""

    data: DegradationCreateData


class DegradationPatchAttributes(_Wire):
    components_affected: list[AffectedComponentWire] | None = None
    status: NoticeStatus | None = None
    title: str | None = None
    description: str | None = None


class DegradationPatchData(_Wire):
    type: Literal["degradations"] = "degradations"
    id: str
    attributes: DegradationPatchAttributes


class DegradationPatchRequest(_Wire):
    """Body of PATCH /api/v2/statuspages/{page_id}/degradations/{degradation_id}."""

    data: DegradationPatchData


def _affected(notice: Notice) -> list[AffectedComponentWire]:
    return [AffectedComponentWire(id=c.id, status=c.status) for c in notice.components]


def create_request(notice: Notice) -> DegradationCreateRequest:
    attributes = DegradationCreateAttributes(
        components_affected=_affected(notice),
        status=notice.status,
        title=notice.title,
        description=notice.message or None,
    )
    return DegradationCreateRequest(data=DegradationCreateData(attributes=attributes))


def patch_request(degradation_id: str, notice: Notice) -> DegradationPatchRequest:
    """Everything the notice says: a PATCH sent twice leaves the same notice."""
    attributes = DegradationPatchAttributes(
        components_affected=_affected(notice),
        status=notice.status,
        title=notice.title,
        description=notice.message or None,
    )
    return DegradationPatchRequest(
        data=DegradationPatchData(id=degradation_id, attributes=attributes)
    )


# --- responses (lenient) -----------------------------------------------------------


class ComponentData(Lenient):
    id: str | None = None
    name: str | None = None
    type: str | None = None
    status: str | None = None
    position: int | None = None
    components: list[ComponentData] | None = None


class StatusPageAttributes(Lenient):
    name: str | None = None
    page_url: str | None = None
    components: list[ComponentData] | None = None


class StatusPageData(Lenient):
    id: str
    attributes: StatusPageAttributes = StatusPageAttributes()


class StatusPageResponse(Lenient):
    data: StatusPageData


class AffectedData(Lenient):
    id: str | None = None
    name: str | None = None
    status: str | None = None


class SourceData(Lenient):
    type: str | None = None
    source_id: str | None = None


class DegradationAttributes(Lenient):
    title: str | None = None
    description: str | None = None
    status: str | None = None
    created_at: str | None = None
    components_affected: list[AffectedData] | None = None
    source: SourceData | None = None


class DegradationData(Lenient):
    id: str
    attributes: DegradationAttributes = DegradationAttributes()
    relationships: dict[str, Any] | None = None


class DegradationResponse(Lenient):
    data: DegradationData


class DegradationListResponse(Lenient):
    data: list[DegradationData] = []
    meta: dict[str, Any] | None = None


def _component_status(raw: str | None) -> ComponentStatus:
    try:
        return ComponentStatus(raw or "operational")
    except ValueError:
        return ComponentStatus.OPERATIONAL


def status_page(data: StatusPageData) -> StatusPage:
    """The page with its components flattened (a group's members carry the group's name);
    groups themselves are not affected, only components of type `component` are."""
    components: list[PageComponent] = []

    def walk(items: list[ComponentData], group: str | None) -> None:
        for item in items:
            if item.type == "group":
                walk(item.components or [], item.name)
            elif item.id:
                components.append(
                    PageComponent(
                        id=item.id,
                        name=item.name or item.id,
                        group=group,
                        status=_component_status(item.status),
                    )
                )

    walk(data.attributes.components or [], None)
    return StatusPage(
        id=data.id,
        name=data.attributes.name or data.id,
        url=data.attributes.page_url,
        components=tuple(components),
    )


def degradation(data: DegradationData, page_id: str) -> Degradation:
    attrs = data.attributes
    try:
        status = NoticeStatus(attrs.status or "investigating")
    except ValueError:
        status = NoticeStatus.INVESTIGATING
    page = ((data.relationships or {}).get("status_page") or {}).get("data") or {}
    source = attrs.source
    return Degradation(
        id=data.id,
        page_id=str(page.get("id") or page_id),
        title=attrs.title or "",
        message=attrs.description or "",
        status=status,
        components={
            c.id: _component_status(c.status) for c in attrs.components_affected or [] if c.id
        },
        created_at=iso_seconds(attrs.created_at),
        source_incident_id=source.source_id if source and source.type == "incident" else None,
    )
