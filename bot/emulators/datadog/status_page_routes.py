"""The Datadog emulator's Status Pages: pages with components, and their degradations.

Shapes copy the recordings (`test_get_status_page_returns_ok_response.yaml`,
`test_create_degradation_returns_created_response.yaml`, `…update_degradation…`,
`…list_degradations…`) key for key; bodies are checked with the official
`CreateDegradationRequest` / `PatchDegradationRequest`; a missing page or degradation is
Datadog's 404, a component not on the page a 400. A mixin: the emulator provides `lock`.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from datadog_api_client.v2.model.create_degradation_request import CreateDegradationRequest
from datadog_api_client.v2.model.patch_degradation_request import PatchDegradationRequest

from bot.emulators.base import Request, Response
from bot.emulators.datadog.org_shapes import JSON, now_iso
from bot.emulators.datadog.params import BadRequest, error_response, int_param, json_body, param
from bot.emulators.datadog.state import DatadogState

STATUS_PAGE_HOST = "https://frog.datadoghq.com"
"""The recorded `page_url` host (an org's own subdomain)."""
DEGRADATIONS_LIMIT_MAX = 100


def _ts(iso: str) -> str:
    """`now_iso()` as Datadog writes status page times: `2026-04-24T14:12:39.710666Z`."""
    return iso.replace("+00:00", "Z")


class StatusPageRoutes(DatadogState):
    """GET /api/v2/statuspages/{page_id}, and /api/v2/statuspages/…/degradations."""

    def _init_status_pages(self) -> None:
        self.status_pages: dict[str, JSON] = {}
        """Page id -> the JSON:API `data` object, as served."""
        self.degradations: dict[str, JSON] = {}
        """Degradation id -> the JSON:API `data` object, as served."""
        self.degradation_bodies: list[tuple[str, JSON]] = []
        """(method, body) of every accepted POST and PATCH, in order."""

    # --- seeding -----------------------------------------------------------------------
    def add_status_page(
        self, name: str = "A Status Page", groups: dict[str, list[str]] | None = None
    ) -> str:
        """A page whose components are grouped, as recorded (`{"Application": ["Login",
        "Settings"]}` by default); returns its id. `component_id(page, name)` finds one."""
        groups = groups if groups is not None else {"Application": ["Login", "Settings"]}
        page_id = str(uuid.uuid4())
        created = _ts(now_iso())
        components = [
            {
                "id": str(uuid.uuid4()),
                "name": group,
                "type": "group",
                "position": position,
                "components": [
                    {
                        "id": str(uuid.uuid4()),
                        "name": member,
                        "type": "component",
                        "status": "operational",
                        "position": index,
                    }
                    for index, member in enumerate(members)
                ],
            }
            for position, (group, members) in enumerate(groups.items())
        ]
        owner = {"data": {"id": self.owner_id, "type": "users"}}
        page = {
            "id": page_id,
            "type": "status_pages",
            "attributes": {
                "company_logo": None,
                "components": components,
                "created_at": created,
                "custom_domain": None,
                "custom_domain_enabled": False,
                "domain_prefix": uuid.uuid4().hex[:16],
                "email_header_image": None,
                "enabled": False,
                "favicon": None,
                "modified_at": created,
                "name": name,
                "page_url": f"{STATUS_PAGE_HOST}/status-pages/{page_id}/view",
                "subscriptions_enabled": False,
                "type": "internal",
                "visualization_type": "bars_and_uptime_percentage",
            },
            "relationships": {"created_by_user": owner, "last_modified_by_user": owner},
        }
        with self.lock:
            self.status_pages[page_id] = page
        return page_id

    def component_id(self, page_id: str, name: str) -> str:
        with self.lock:
            for member in _members(self.status_pages[page_id]):
                if member["name"] == name:
                    return str(member["id"])
        raise KeyError(name)

    def page_degradations(self, page_id: str) -> list[JSON]:
        """The page's degradations, oldest first (copies, for assertions)."""
        with self.lock:
            return [copy.deepcopy(d) for d in self.degradations.values() if _page_of(d) == page_id]

    # --- routes ------------------------------------------------------------------------
    def _get_status_page(self, request: Request, params: dict[str, str]) -> Response:
        page = self.status_pages.get(params["page_id"])
        if page is None:
            return error_response(404, "Status page not found")
        return Response(200, {"data": copy.deepcopy(page)})

    def _list_degradations(self, request: Request, params: dict[str, str]) -> Response:
        """`filter[page_id]`, `filter[status]`, `sort` (created_at / modified_at, `-` desc),
        `page[offset]`, `page[limit]` (default 50)."""
        page_id = param(request, "filter[page_id]")
        status = param(request, "filter[status]")
        sort = param(request, "sort") or "-created_at"
        if sort.lstrip("-") not in ("created_at", "modified_at"):
            raise BadRequest(f"Invalid sort: {sort}")
        offset = int_param(request, "page[offset]", 0)
        limit = int_param(request, "page[limit]", 50)
        if limit > DEGRADATIONS_LIMIT_MAX:
            raise BadRequest(
                f"Invalid value for page[limit]: the maximum is {DEGRADATIONS_LIMIT_MAX}"
            )
        hits = [
            d
            for d in self.degradations.values()
            if (not page_id or _page_of(d) == page_id)
            and (not status or d["attributes"]["status"] in status.split(","))
        ]
        key = sort.lstrip("-")
        ordered = sorted(
            enumerate(hits),
            key=lambda item: (item[1]["attributes"][key], item[0]),
            reverse=sort.startswith("-"),
        )
        page = [copy.deepcopy(d) for _, d in ordered[offset : offset + limit]]
        meta = _offset_meta(offset, limit, len(hits))
        return Response(200, {"data": page, "meta": meta})

    def _create_degradation(self, request: Request, params: dict[str, str]) -> Response:
        page = self.status_pages.get(params["page_id"])
        if page is None:
            return error_response(404, "Status page not found")
        body = json_body(request, CreateDegradationRequest)
        attrs = body["data"]["attributes"]
        affected = self._affected(page, attrs["components_affected"])
        now = _ts(now_iso())
        owner = {"data": {"id": self.owner_id, "type": "users"}}
        description = attrs.get("description", "")
        degradation: JSON = {
            "id": str(uuid.uuid4()),
            "type": "degradations",
            "attributes": {
                "components_affected": affected,
                "created_at": now,
                "description": description,
                "modified_at": now,
                "status": attrs["status"],
                "title": attrs["title"],
                "updates": [_update(now, attrs["status"], description, affected)],
            },
            "relationships": {
                "created_by_user": owner,
                "last_modified_by_user": owner,
                "status_page": {"data": {"id": page["id"], "type": "status_pages"}},
            },
        }
        self.degradations[degradation["id"]] = degradation
        self.degradation_bodies.append(("POST", copy.deepcopy(body)))
        _show_on_page(page, affected)
        return Response(201, {"data": copy.deepcopy(degradation)})

    def _update_degradation(self, request: Request, params: dict[str, str]) -> Response:
        """A partial update; a changed status, message or component adds an `updates` entry
        (a title alone does not, as recorded)."""
        page = self.status_pages.get(params["page_id"])
        if page is None:
            return error_response(404, "Status page not found")
        degradation = self.degradations.get(params["degradation_id"])
        if degradation is None or _page_of(degradation) != page["id"]:
            return error_response(404, "Degradation not found")
        body = json_body(request, PatchDegradationRequest)
        if body["data"]["id"] != degradation["id"]:
            raise BadRequest("data.id does not match the degradation in the path")
        attrs = body["data"]["attributes"]
        held = degradation["attributes"]
        before = (held["status"], held["description"], held["components_affected"])
        if "components_affected" in attrs:
            held["components_affected"] = self._affected(page, attrs["components_affected"])
        for name in ("title", "description", "status"):
            if name in attrs:
                held[name] = attrs[name]
        now = _ts(now_iso())
        held["modified_at"] = now
        after = (held["status"], held["description"], held["components_affected"])
        if after != before:
            held["updates"].append(
                _update(now, held["status"], held["description"], held["components_affected"])
            )
        self.degradation_bodies.append(("PATCH", copy.deepcopy(body)))
        _show_on_page(page, held["components_affected"])
        return Response(200, {"data": copy.deepcopy(degradation)})

    def _affected(self, page: JSON, sent: list[dict[str, Any]]) -> list[JSON]:
        members = {m["id"]: m for m in _members(page)}
        affected: list[JSON] = []
        for item in sent:
            member = members.get(item["id"])
            if member is None:
                raise BadRequest(f"Component {item['id']} is not a component of this page")
            affected.append({"id": item["id"], "name": member["name"], "status": item["status"]})
        return affected


def _members(page: JSON) -> list[JSON]:
    out: list[JSON] = []
    for item in page["attributes"]["components"]:
        if item["type"] == "group":
            out += item.get("components") or []
        else:
            out.append(item)
    return out


def _page_of(degradation: JSON) -> str:
    return str(degradation["relationships"]["status_page"]["data"]["id"])


def _show_on_page(page: JSON, affected: list[JSON]) -> None:
    statuses = {a["id"]: a["status"] for a in affected}
    for member in _members(page):
        if member["id"] in statuses:
            member["status"] = statuses[member["id"]]


def _update(now: str, status: str, description: str, affected: list[JSON]) -> JSON:
    return {
        "id": str(uuid.uuid4()),
        "created_at": now,
        "modified_at": now,
        "started_at": now,
        "status": status,
        "description": description,
        "components_affected": copy.deepcopy(affected),
    }


def _offset_meta(offset: int, limit: int, total: int) -> JSON:
    """As recorded: `{"page": {"type": "offset_limit", ...}}`."""
    last = max(0, (total - 1) // limit * limit) if limit else 0
    return {
        "page": {
            "type": "offset_limit",
            "offset": offset,
            "limit": limit,
            "total": total,
            "first_offset": 0,
            "prev_offset": max(0, offset - limit) if offset else None,
            "next_offset": offset + limit if offset + limit < total else None,
            "last_offset": last,
        }
    }
