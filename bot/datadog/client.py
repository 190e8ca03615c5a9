"""The Datadog API client: the operations the bot uses, over `Transport` (transport.py).

Retries, backoff and the mapping of statuses to typed errors live in transport.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from bot.datadog import sites
from bot.datadog.endpoints import ENDPOINTS, Endpoint
from bot.datadog.errors import DatadogError
from bot.datadog.incident_parse import incident_from
from bot.datadog.models import (
    DatadogUser,
    Incident,
    IncidentCreateRequest,
    IncidentData,
    IncidentListResponse,
    IncidentResponse,
    IncidentSearchResponse,
    IntegrationCreateRequest,
    UsersResponse,
)
from bot.datadog.monitors import monitor_path, parse_monitor
from bot.datadog.paging_models import (
    DatadogTeam,
    IncidentPageRequest,
    PageIdResponse,
    TeamsResponse,
    teams_from,
)
from bot.datadog.postmortem_models import PostmortemAttachmentRequest
from bot.datadog.record_models import (
    Attachment,
    AttachmentResponse,
    AttachmentsResponse,
    CreateAttachmentRequest,
    IncidentTodoCreateRequest,
    IncidentTodoPatchRequest,
    TodoResponse,
    TodosResponse,
    attachment_from,
    todo_from,
)
from bot.datadog.responders import (
    ResponderResponse,
    RespondersResponse,
    RolesResponse,
    responder_from,
    responder_request,
    responders_from,
    roles_from,
)
from bot.datadog.status_page_models import (
    DegradationCreateRequest,
    DegradationData,
    DegradationListResponse,
    DegradationPatchRequest,
    DegradationResponse,
    StatusPageData,
    StatusPageResponse,
)
from bot.datadog.transport import (
    DEFAULT_TIMEOUT,
    CallCounter,
    RetryPolicy,
    Transport,
    data_list,
    json_body,
    json_object,
    parse,
    unreadable,
    within,
)
from bot.datadog.update_models import IncidentUpdateRequest, incident_view
from bot.domain.incident.responders import Responder, ResponderRole
from bot.domain.incident.state import IncidentView
from bot.domain.monitor.alert import Monitor
from bot.domain.record.todos import Todo

MONITOR_TIMEOUT = httpx.Timeout(2.5, connect=1.0)
"""A monitor read fills an open form: it is tried once, briefly, and the form copes without."""
USERS_PAGE_SIZE = 100
USERS_MAX_PAGES = 20
OPEN_QUERY = "state:(active OR stable)"
"""Incidents not yet over (Datadog's default states; resolved ones leave)."""
SEARCH_PAGE_SIZE = 50
DEGRADATIONS_PAGE_SIZE = 50
"""Degradations read per request (the spec's default `page[limit]`)."""
SEARCH_PAGE_MAX = 100
"""The largest `page[size]` the incident search allows (the OpenAPI spec's `PageSize`)."""
TEAMS_PAGE_SIZE = 100
"""One page of teams fills the Page modal's select (Slack shows at most 100 options)."""


class DatadogClient:
    """Talks to one Datadog site with one API key and one application key."""

    def __init__(
        self,
        api_key: str,
        app_key: str,
        *,
        site: str = "datadoghq.com",
        base_url: str | None = None,
        http_client: httpx.Client | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        metrics: CallCounter | None = None,
    ) -> None:
        self.site = site
        headers = {
            "DD-API-KEY": api_key,
            "DD-APPLICATION-KEY": app_key,
            "Accept": "application/json",
        }
        self._transport = Transport(
            base_url or sites.api_base(site),
            headers,
            http_client=http_client,
            timeout=timeout,
            retry=retry,
            metrics=metrics,
        )
        self.base_url = self._transport.base_url

    def close(self) -> None:
        self._transport.close()

    def incident_url(self, public_id: int) -> str:
        return sites.incident_url(self.site, public_id)

    # --- operations -----------------------------------------------------------------

    def create_incident(self, request: IncidentCreateRequest) -> Incident:
        """POST /api/v2/incidents. Never retried once the request may have been sent."""
        response = self._send(ENDPOINTS.create_incident, json=request.to_wire(), idempotent=False)
        return self._read(response)

    def get_incident(
        self, incident_id: str, *, include_users: bool = False, budget: float | None = None
    ) -> Incident:
        """GET /api/v2/incidents/{incident_id}: the incident as Datadog holds it now.

        `include_users` asks for the users it names (`included`), so `document` gives the
        commander's and last modifier's names, not only their ids. `budget` (seconds): one
        attempt within it, no retries, a 429 raised at once (DatadogTimeout,
        DatadogRateLimited), for a read that must end before Slack's ack.
        """
        response = self._send(
            ENDPOINTS.get_incident,
            ENDPOINTS.get_incident.path(incident_id=incident_id),
            params={"include": "users"} if include_users else None,
            **_budgeted(budget),
        )
        return self._read(response)

    def update_incident(
        self, incident_id: str, request: IncidentUpdateRequest | Mapping[str, Any]
    ) -> Incident:
        """PATCH /api/v2/incidents/{incident_id}: Datadog merges, so send only what changes.

        `request` is usually `update_models.update_request(...)`; a mapping of that shape is
        sent as is. Resending the same fields gives the same incident, so unlike a create
        this is retried on 5xx, 429 and timeouts within the RetryPolicy.
        """
        body = request.to_wire() if isinstance(request, IncidentUpdateRequest) else dict(request)
        response = self._send(
            ENDPOINTS.update_incident,
            ENDPOINTS.update_incident.path(incident_id=incident_id),
            json=body,
            idempotent=True,
        )
        return self._read(response)

    def search_incidents(
        self,
        query: str,
        *,
        sort: str = "-created",
        page_size: int = 25,
        offset: int = 0,
        budget: float | None = None,
    ) -> list[Incident]:
        """GET /api/v2/incidents/search, newest first by default (its index may lag creates).

        `budget`: as for `get_incident`, one attempt within that many seconds.
        """
        response = self._send(
            ENDPOINTS.search_incidents,
            params={"query": query, "sort": sort, "page[size]": page_size, "page[offset]": offset},
            **_budgeted(budget),
        )
        hits = parse(response, IncidentSearchResponse).data.attributes.incidents or []
        attributes = (json_object(response).get("data") or {}).get("attributes") or {}
        raw: list[Any] = attributes.get("incidents") or []
        return [self._incident(hit.data, raw[i]) for i, hit in enumerate(hits)]

    def open_incidents(
        self, *, limit: int = 100, page_size: int = SEARCH_PAGE_SIZE
    ) -> list[Incident]:
        """Active and stable incidents, newest first, at most `limit` (page by page)."""
        return [i for page in self.open_incident_pages(limit, page_size) for i in page]

    def open_incident_pages(
        self, limit: int, page_size: int = SEARCH_PAGE_MAX
    ) -> Iterator[list[Incident]]:
        """The open incidents one search request (`page[size]`, `page[offset]`) at a time,
        until a short page or `limit`; page sizes above Datadog's 100 are not allowed."""
        seen = 0
        while seen < limit:
            size = min(page_size, SEARCH_PAGE_MAX, limit - seen)
            page = self.search_incidents(OPEN_QUERY, page_size=size, offset=seen)
            yield page
            seen += len(page)
            if len(page) < size:
                return

    def list_incidents(self, *, offset: int = 0, page_size: int = 100) -> list[Incident]:
        """GET /api/v2/incidents: oldest first, and it shows an incident as soon as it exists."""
        response = self._send(
            ENDPOINTS.list_incidents, params={"page[size]": page_size, "page[offset]": offset}
        )
        data = parse(response, IncidentListResponse).data
        return [self._incident(item) for item in data]

    def find_active_user_by_email(self, email: str) -> DatadogUser | None:
        """The active Datadog user with exactly this email (the API filter is a substring)."""
        wanted = email.strip().lower()
        for page in range(USERS_MAX_PAGES):
            response = self._send(
                ENDPOINTS.list_users,
                params={
                    "filter": wanted,
                    "filter[status]": "Active",
                    "page[size]": USERS_PAGE_SIZE,
                    "page[number]": page,
                },
            )
            users = parse(response, UsersResponse).data
            for user in users:
                attrs = user.attributes
                if (attrs.email or "").lower() != wanted or attrs.disabled:
                    continue
                if attrs.status not in (None, "Active"):
                    continue
                return DatadogUser(id=user.id, email=wanted, name=attrs.name)
            if len(users) < USERS_PAGE_SIZE:
                return None
        return None

    def link_slack_thread(self, incident_id: str, request: IntegrationCreateRequest) -> str:
        """Register the Slack channel/thread on the incident; returns the integration id."""
        response = self._send(
            ENDPOINTS.link_integration,
            ENDPOINTS.link_integration.path(incident_id=incident_id),
            json=request.to_wire(),
            idempotent=False,
        )
        data = json_object(response).get("data")
        return str(data.get("id", "")) if isinstance(data, dict) else ""

    def list_incident_types(self) -> list[dict[str, Any]]:
        response = self._send(ENDPOINTS.list_incident_types)
        return data_list(response)

    def list_all_user_defined_fields(
        self, *, page_size: int = 1000, max_pages: int = 10
    ) -> list[dict[str, Any]]:
        """Every type's user-defined fields, page by page (one page for almost every org)."""
        fields: list[dict[str, Any]] = []
        for page in range(max_pages):
            response = self._send(
                ENDPOINTS.list_incident_fields,
                params={"page[size]": page_size, "page[number]": page},
            )
            data = data_list(response)
            fields.extend(data)
            if len(data) < page_size:
                break
        return fields

    def get_monitor(
        self, monitor_id: int, *, timeout: httpx.Timeout = MONITOR_TIMEOUT, retries: int = 0
    ) -> Monitor:
        """GET /api/v1/monitor/{monitor_id} (`monitors_read`), with a short timeout.

        Raises DatadogNotFound (404), DatadogForbidden (403: the key lacks the scope),
        DatadogTimeout, or DatadogUnreadableResponse for a 200 that is not a monitor.
        """
        response = self._send(
            ENDPOINTS.get_monitor,
            monitor_path(monitor_id),
            timeout=timeout,
            retries=retries,
        )
        monitor = parse_monitor(json_body(response))
        if monitor is None:
            raise unreadable(response, "not a monitor")
        return monitor

    def list_incident_roles(self, *, budget: float | None = None) -> list[ResponderRole]:
        """GET /api/v2/incidents/config/user-defined-roles: the org's responder roles."""
        response = self._send(ENDPOINTS.list_incident_roles, **_budgeted(budget))
        return roles_from(parse(response, RolesResponse))

    def list_responders(self, incident_id: str) -> list[Responder]:
        """GET /api/v2/incidents/{incident_id}/responders (users from `included`)."""
        endpoint = ENDPOINTS.list_responders
        response = self._send(endpoint, endpoint.path(incident_id=incident_id))
        return responders_from(parse(response, RespondersResponse))

    def add_responder(
        self, incident_id: str, user_id: str, role_id: str | None = None
    ) -> Responder:
        """POST /api/v2/incidents/{incident_id}/responders. Never retried once it may have
        been sent: after an ambiguous failure, `list_responders` says whether it took."""
        endpoint = ENDPOINTS.add_responder
        response = self._send(
            endpoint,
            endpoint.path(incident_id=incident_id),
            json=responder_request(user_id, role_id).to_wire(),
            idempotent=False,
        )
        answer = parse(response, ResponderResponse)
        return responder_from(answer.data, answer.included)

    def remove_responder(self, incident_id: str, responder_id: str) -> None:
        """DELETE /api/v2/incidents/{incident_id}/responders/{responder_id}: 204; a 404
        (DatadogNotFound) means it is already gone. Retried like a read: deleting twice
        leaves the same incident."""
        endpoint = ENDPOINTS.remove_responder
        self._send(endpoint, endpoint.path(incident_id=incident_id, responder_id=responder_id))

    def list_teams(
        self, keyword: str = "", *, page_size: int = TEAMS_PAGE_SIZE, budget: float | None = None
    ) -> list[DatadogTeam]:
        """GET /api/v2/team (`teams_read`): one page of the org's teams, `filter[keyword]`
        matching a name, handle or member's email (the Page modal's external select)."""
        params: dict[str, Any] = {"page[size]": page_size, "page[number]": 0}
        if keyword.strip():
            params["filter[keyword]"] = keyword.strip()
        response = self._send(ENDPOINTS.list_teams, params=params, **_budgeted(budget))
        return teams_from(parse(response, TeamsResponse))

    def page_from_incident(self, incident_id: str, request: IncidentPageRequest) -> str:
        """POST /api/v2/incidents/{incident_id}/page: the page's id. Never retried once the
        request may have been sent (a second one pages again; Datadog lists no pages to
        look in afterwards, see docs/paging.md)."""
        response = self._send(
            ENDPOINTS.page_from_incident,
            ENDPOINTS.page_from_incident.path(incident_id=incident_id),
            json=request.to_wire(),
            idempotent=False,
        )
        page_id = parse(response, PageIdResponse).data.id
        if not page_id:
            raise unreadable(response, "no page id")
        return page_id

    def get_status_page(self, page_id: str) -> StatusPageData:
        """GET /api/v2/statuspages/{page_id}: the page and its components (groups nest them)."""
        response = self._send(
            ENDPOINTS.get_status_page, ENDPOINTS.get_status_page.path(page_id=page_id)
        )
        return parse(response, StatusPageResponse).data

    def list_degradations(
        self, page_id: str, *, limit: int = DEGRADATIONS_PAGE_SIZE, offset: int = 0
    ) -> list[DegradationData]:
        """GET /api/v2/statuspages/degradations of one page, newest first."""
        response = self._send(
            ENDPOINTS.list_degradations,
            params={
                "filter[page_id]": page_id,
                "sort": "-created_at",
                "page[limit]": limit,
                "page[offset]": offset,
            },
        )
        return parse(response, DegradationListResponse).data

    def create_degradation(
        self, page_id: str, request: DegradationCreateRequest
    ) -> DegradationData:
        """POST a degradation: a public notice. Never retried once it may have been sent."""
        response = self._send(
            ENDPOINTS.create_degradation,
            ENDPOINTS.create_degradation.path(page_id=page_id),
            json=request.to_wire(),
            idempotent=False,
        )
        return parse(response, DegradationResponse).data

    def update_degradation(
        self, page_id: str, degradation_id: str, request: DegradationPatchRequest
    ) -> DegradationData:
        """PATCH a degradation with all it should say: sending it twice says the same."""
        response = self._send(
            ENDPOINTS.update_degradation,
            ENDPOINTS.update_degradation.path(page_id=page_id, degradation_id=degradation_id),
            json=request.to_wire(),
            idempotent=True,
        )
        return parse(response, DegradationResponse).data

    # --- the record: attachments and to-dos (docs/record.md) ---------------------------

    def list_attachments(
        self, incident_id: str, *, kinds: tuple[str, ...] | None = None
    ) -> list[Attachment]:
        """GET /api/v2/incidents/{incident_id}/attachments, only the `kinds` asked for
        (`link`, `postmortem`; None: all). Filtered here: the spec documents its
        `filter[attachment_type]` by numeric codes the recordings never show."""
        endpoint = ENDPOINTS.list_attachments
        response = self._send(endpoint, endpoint.path(incident_id=incident_id))
        found = [attachment_from(item) for item in parse(response, AttachmentsResponse).data]
        return [a for a in found if kinds is None or a.attachment_type in kinds]

    def create_attachment(self, incident_id: str, request: CreateAttachmentRequest) -> Attachment:
        """POST …/attachments. Not retried once it may have been sent: look (list) first."""
        return self._attach(ENDPOINTS.create_attachment, incident_id, request.to_wire())

    def create_postmortem(
        self, incident_id: str, request: PostmortemAttachmentRequest
    ) -> Attachment:
        """POST …/attachments/postmortems. Never retried once it may have been sent: after
        an ambiguous failure, `list_attachments(kinds=("postmortem",))` looks first."""
        return self._attach(ENDPOINTS.create_postmortem, incident_id, request.to_wire())

    def _attach(self, endpoint: Endpoint, incident_id: str, body: dict[str, Any]) -> Attachment:
        path = endpoint.path(incident_id=incident_id)
        response = self._send(endpoint, path, json=body, idempotent=False)
        return attachment_from(parse(response, AttachmentResponse).data)

    def list_todos(self, incident_id: str) -> list[Todo]:
        """GET …/relationships/todos: the incident's to-dos, oldest first."""
        endpoint = ENDPOINTS.list_todos
        response = self._send(endpoint, endpoint.path(incident_id=incident_id))
        return [todo_from(item) for item in parse(response, TodosResponse).data]

    def create_todo(self, incident_id: str, request: IncidentTodoCreateRequest) -> Todo:
        """POST …/relationships/todos. Not retried once it may have been sent."""
        endpoint = ENDPOINTS.create_todo
        response = self._send(
            endpoint,
            endpoint.path(incident_id=incident_id),
            json=request.to_wire(),
            idempotent=False,
        )
        return todo_from(parse(response, TodoResponse).data)

    def update_todo(
        self, incident_id: str, todo_id: str, request: IncidentTodoPatchRequest
    ) -> Todo:
        """PATCH …/todos/{todo_id}: complete (a timestamp) or reopen (null); resending is
        harmless, so it is retried like an incident update."""
        endpoint = ENDPOINTS.update_todo
        response = self._send(
            endpoint,
            endpoint.path(incident_id=incident_id, todo_id=todo_id),
            json=request.to_wire(),
            idempotent=True,
        )
        return todo_from(parse(response, TodoResponse).data)

    def delete_todo(self, incident_id: str, todo_id: str) -> None:
        """DELETE …/todos/{todo_id} (204)."""
        endpoint = ENDPOINTS.delete_todo
        self._send(endpoint, endpoint.path(incident_id=incident_id, todo_id=todo_id))

    def validate_api_key(self) -> bool:
        """GET /api/v1/validate: is the API key valid for this site?"""
        self._send(ENDPOINTS.validate_api_key)
        return True

    def view(self, incident: Incident) -> IncidentView:
        """The incident as the card, the modals and the sync read it (update_models)."""
        return incident_view(incident.document, self.incident_url)

    # --- plumbing -------------------------------------------------------------------

    def _send(
        self,
        endpoint: Endpoint,
        path: str | None = None,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        idempotent: bool = True,
        timeout: httpx.Timeout | None = None,
        retries: int | None = None,
    ) -> httpx.Response:
        """Call one row of the endpoint table (endpoints.py) with its method and permission
        (a 403's message names it); `path` is the row's, filled in by `endpoint.path(...)`."""
        if path is None:
            path = endpoint.path()
        elif not endpoint.pattern.fullmatch(path):
            raise ValueError(f"{path} is not {endpoint.route}")
        return self._transport.send(
            endpoint.method,
            path,
            params=params,
            json=json,
            idempotent=idempotent,
            permission=endpoint.permission,
            timeout=timeout,
            retries=retries,
        )

    def _read(self, response: httpx.Response) -> Incident:
        body = json_object(response)
        return self._incident(parse(response, IncidentResponse).data, body)

    def _incident(self, data: IncidentData, document: dict[str, Any] | None = None) -> Incident:
        return incident_from(data, self.incident_url, document)


def _budgeted(budget: float | None) -> dict[str, Any]:
    """`Transport.send`'s arguments for one attempt within `budget` seconds (None: the policy)."""
    return {} if budget is None else {"timeout": within(budget), "retries": 0}


__all__ = ["DEFAULT_TIMEOUT", "DatadogClient", "DatadogError", "RetryPolicy"]
