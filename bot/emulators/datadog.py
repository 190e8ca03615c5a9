"""A local Datadog API emulator: incidents, users, incident config and Slack integrations.

A real HTTP server (see `EmulatorServer`) so the bot's real HTTP client, timeouts and
retries are exercised. Bodies are checked with the official datadog-api-client models
(`datadog_validate`), answers copy recorded Datadog responses (`datadog_shapes`), the
org and its declare rules live in `datadog_state`. Faults (errors, 429s, delays, dropped
or lost responses) and sliding-window rate limits can be injected per route.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from typing import Any

from datadog_api_client.v2.model.incident_create_request import IncidentCreateRequest
from datadog_api_client.v2.model.incident_integration_metadata_create_request import (
    IncidentIntegrationMetadataCreateRequest,
)

from bot.emulators.base import EmulatorServer, Request, Response
from bot.emulators.datadog_faults import Fault, FaultPlan, rate_limit_name, reason
from bot.emulators.datadog_shapes import User, integration_list_view, pagination, public_view
from bot.emulators.datadog_state import DatadogState, DeclareError, facets
from bot.emulators.datadog_validate import matches, model_error, parse_query

DEFAULT_PERMISSIONS = frozenset(
    {"incident_read", "incident_write", "incident_settings_read", "user_access_read"}
)

Handler = Callable[[Request, dict[str, str]], Response]

# (method, path with {name} segments, handler method, permission; None = API key only)
_ROUTES: tuple[tuple[str, str, str, str | None], ...] = (
    ("GET", "/api/v1/validate", "_validate", None),
    ("GET", "/api/v2/users", "_list_users", "user_access_read"),
    ("GET", "/api/v2/users/{uid}", "_get_user", "user_access_read"),
    ("POST", "/api/v2/incidents", "_create_incident", "incident_write"),
    ("GET", "/api/v2/incidents", "_list_incidents", "incident_read"),
    ("GET", "/api/v2/incidents/search", "_search", "incident_read"),
    ("GET", "/api/v2/incidents/config/types", "_list_types", "incident_settings_read"),
    (
        "GET",
        "/api/v2/incidents/config/user-defined-fields",
        "_list_fields",
        "incident_settings_read",
    ),
    ("GET", "/api/v2/incidents/{iid}", "_get_incident", "incident_read"),
    (
        "POST",
        "/api/v2/incidents/{iid}/relationships/integrations",
        "_add_integration",
        "incident_write",
    ),
    (
        "GET",
        "/api/v2/incidents/{iid}/relationships/integrations",
        "_list_integrations",
        "incident_read",
    ),
)


class _BadRequest(Exception):
    """A request Datadog would reject; becomes a 400 with this message."""


def _error(status: int, message: str) -> Response:
    return Response(status, {"errors": [message]})


def _param(request: Request, name: str) -> str | None:
    values = request.query.get(name)
    return values[-1] if values else None


def _int_param(request: Request, name: str, default: int) -> int:
    raw = _param(request, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _BadRequest(f"Invalid value for {name}: {raw!r} is not an integer") from None
    if value < 0:
        raise _BadRequest(f"Invalid value for {name}: must be >= 0")
    return value


def _json_body(request: Request, model: type[Any]) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError:
        raise _BadRequest("Invalid JSON in request body") from None
    problem = model_error(body, model)
    if problem:
        raise _BadRequest(problem)
    assert isinstance(body, dict)
    return body


class DatadogEmulator(DatadogState, EmulatorServer):
    """The Datadog API surface declare-bot uses; state is public for test assertions."""

    def __init__(
        self,
        api_key: str = "dd-api-key-emulator",
        app_key: str = "dd-app-key-emulator",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        EmulatorServer.__init__(self, host, port)
        self.api_key = api_key
        self.app_key = app_key
        self.permissions: set[str] = set(DEFAULT_PERMISSIONS)
        """Permissions of the app key; remove one to provoke Datadog's 403."""
        self._faults = FaultPlan()
        self._init_state()
        self._routes: list[tuple[str, re.Pattern[str], Handler, str | None]] = [
            (
                method,
                re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)),
                getattr(self, name),
                perm,
            )
            for method, path, name, perm in _ROUTES
        ]

    def start(self) -> DatadogEmulator:
        """Start serving; typed so `DatadogEmulator().start()` keeps its class."""
        EmulatorServer.start(self)
        return self

    def __enter__(self) -> DatadogEmulator:
        return self.start()

    # --- faults ------------------------------------------------------------------------
    def inject(
        self,
        route: str,
        *,
        status: int | None = None,
        body: object | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        drop: bool = False,
        lose_response: bool = False,
        times: int = 1,
    ) -> None:
        """Queue a fault for "METHOD /path" (`{x}` segments and method `*` are wildcards).

        Order of effects: `delay`, then `drop` (nothing handled), then `status` (canned
        answer; a `str` body is sent as is), else the request is handled and
        `lose_response` closes the socket instead of answering. `headers` without
        `status` are added to the real answer; `body` without `status` replaces the real
        answer's body (a callable gets the real body and returns the one sent).
        """
        fault = Fault(status, body, dict(headers or {}), delay, drop, lose_response, times)
        with self.lock:
            self._faults.add(route, fault)

    def rate_limit(self, route: str, *, limit: int, period: int) -> None:
        """At most `limit` requests per sliding `period` seconds; beyond that, 429."""
        with self.lock:
            self._faults.set_limit(route, limit, period)

    def clear_faults(self) -> None:
        """Forget queued faults and rate limits."""
        with self.lock:
            self._faults.clear()

    # --- dispatch ----------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        with self.lock:
            fault = self._faults.take(request.method, path)
        if fault is None:
            return self._serve(request, path)
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            return Response(0, drop_connection=True)
        if fault.status is not None:
            return _canned(fault, fault.status, f"{request.method} {path}")
        response = self._serve(request, path)
        if fault.lose_response:
            return Response(response.status, drop_connection=True)
        if fault.body is not None:  # handled, then answered with this body (or body(real))
            body = fault.body(response.body) if callable(fault.body) else fault.body
            raw = body.encode() if isinstance(body, str) else body
            response = Response(response.status, raw, response.headers)
        response.headers.update(fault.headers)
        return response

    def _route(self, method: str, path: str) -> tuple[Handler, dict[str, str], str | None] | None:
        for route_method, pattern, handler, permission in self._routes:
            found = pattern.fullmatch(path)
            if found and route_method == method:
                return handler, found.groupdict(), permission
        return None

    def _serve(self, request: Request, path: str) -> Response:
        route = self._route(request.method, path)
        if route is None:
            return _error(404, "Not found")
        handler, params, permission = route
        denied = self._authorize(request, permission)
        if denied is not None:
            return denied
        with self.lock:
            allowed, limit_headers = self._faults.check_limit(request.method, path)
            if not allowed:
                return Response(429, {"errors": ["Too Many Requests"]}, limit_headers)
            try:
                response = handler(request, params)
            except _BadRequest as exc:
                response = _error(400, str(exc))
            except DeclareError as exc:
                response = _error(exc.status, str(exc))
        response.headers.update(limit_headers)
        return response

    def _authorize(self, request: Request, permission: str | None) -> Response | None:
        """Permission None marks /api/v1/validate: API key only, any failure is a 403."""
        api_key = request.header("DD-API-KEY")
        if permission is None:
            return None if api_key == self.api_key else _error(403, "Forbidden")
        app_key = request.header("DD-APPLICATION-KEY")
        if not api_key or not app_key:
            return _error(401, "Unauthorized")
        if api_key != self.api_key or app_key != self.app_key:
            return _error(403, "Forbidden")
        with self.lock:
            granted = permission in self.permissions
        if not granted:
            detail = "Failed permission authorization checks"
            error = {"status": "403", "title": "Forbidden", "detail": detail}
            return Response(403, {"errors": [error]})
        return None

    # --- handlers (called under self.lock) -----------------------------------------------
    def _validate(self, request: Request, params: dict[str, str]) -> Response:
        return Response(200, {"valid": True})

    def _list_users(self, request: Request, params: dict[str, str]) -> Response:
        """`filter`: substring of name/handle/email; `filter[status]`: comma list."""
        text = (_param(request, "filter") or "").lower()
        statuses = {s.strip().lower() for s in (_param(request, "filter[status]") or "").split(",")}
        statuses.discard("")
        size = _int_param(request, "page[size]", 10)
        number = _int_param(request, "page[number]", 0)
        users = self._sorted_users(request)
        hits = [
            u
            for u in users
            if (not text or any(text in (v or "").lower() for v in (u.name, u.email)))
            and (not statuses or u.status.lower() in statuses)
        ]
        page = hits[number * size : (number + 1) * size]
        meta = {"page": {"total_filtered_count": len(hits), "total_count": len(users)}}
        return Response(200, {"meta": meta, "data": [u.resource(self.org_id) for u in page]})

    def _sorted_users(self, request: Request) -> list[User]:
        """`sort` by name (default), email, created_at/modified_at or status; `-` = desc."""
        sort = _param(request, "sort") or "name"
        descending = sort.startswith("-") != (_param(request, "sort_dir") == "desc")
        key = sort.lstrip("-")
        if key not in ("name", "email", "created_at", "modified_at", "status"):
            raise _BadRequest(f"Invalid sort field: {key}")
        attr = "created_at" if key == "modified_at" else key
        return sorted(
            self.users.values(),
            key=lambda u: str(getattr(u, attr) or "").lower(),
            reverse=descending,
        )

    def _get_user(self, request: Request, params: dict[str, str]) -> Response:
        user = self.users.get(params["uid"])
        if user is None:
            return _error(404, "User not found")
        return Response(200, {"data": user.resource(self.org_id)})

    def _create_incident(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.declare(_json_body(request, IncidentCreateRequest))
        return Response(201, {"data": public_view(copy.deepcopy(incident), embed_users=True)})

    def _get_incident(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["iid"])
        if incident is None:
            return _error(404, "Incident not found")
        return Response(200, {"data": public_view(copy.deepcopy(incident), embed_users=False)})

    def _list_incidents(self, request: Request, params: dict[str, str]) -> Response:
        """Oldest first (newest last), `page[size]`/`page[offset]`."""
        size = _int_param(request, "page[size]", 10)
        offset = _int_param(request, "page[offset]", 0)
        page = list(self.incidents.values())[offset : offset + size]
        data = [public_view(copy.deepcopy(i), embed_users=False) for i in page]
        return Response(200, {"data": data, "meta": pagination(offset, len(page))})

    def _search(self, request: Request, params: dict[str, str]) -> Response:
        """Search incidents. Query language (a documented subset of Datadog's):

        - terms are separated by spaces and ANDed; bare `AND`/`OR` words are ignored;
        - `key:value` compares an attribute (`state`, `severity`, `public_id`, `is_test`,
          `customer_impacted`, ...) or else a field value, case-insensitively;
        - `key:(a OR b)` matches any of the values; a leading `-` negates a term;
        - any other word, or a "quoted phrase", is a case-insensitive title substring.

        `sort` is `created` (oldest first) or `-created` (newest first, the default,
        as recorded). `query` is required, as in the spec; an empty one matches all.
        """
        query = _param(request, "query")
        if query is None:
            raise _BadRequest("Missing required query parameter: query")
        sort = _param(request, "sort") or "-created"
        if sort not in ("created", "-created"):
            raise _BadRequest(f"Invalid sort: {sort} (expected created or -created)")
        size = _int_param(request, "page[size]", 10)
        offset = _int_param(request, "page[offset]", 0)
        terms = parse_query(query)
        hits = [i for i in self.incidents.values() if matches(i, terms)]
        hits.sort(key=lambda i: int(i["attributes"]["public_id"]), reverse=sort == "-created")
        page = [
            public_view(copy.deepcopy(i), embed_users=True) for i in hits[offset : offset + size]
        ]
        refs = [{"type": "incidents", "id": i["id"]} for i in page]
        data = {
            "type": "incidents_search_results",
            "attributes": {
                "total": len(hits),
                "facets": facets(hits),
                "incidents": [{"data": i} for i in page],
            },
            "relationships": {"incidents_relationship": {"data": refs}},
        }
        meta = pagination(offset, len(page))
        return Response(200, {"data": data, "included": page, "meta": meta})

    def _list_types(self, request: Request, params: dict[str, str]) -> Response:
        return Response(200, {"data": [t.resource() for t in self.incident_types.values()]})

    def _list_fields(self, request: Request, params: dict[str, str]) -> Response:
        """All fields, or one type's with `filter[incident-type]`; `page[size]`/`page[number]`."""
        type_id = _param(request, "filter[incident-type]")
        size = _int_param(request, "page[size]", 1000)
        number = _int_param(request, "page[number]", 0)
        fields = [f for f in self.fields.values() if not type_id or f.incident_type_id == type_id]
        page = fields[number * size : (number + 1) * size]
        meta = {"offset": number * size, "size": len(page)}
        return Response(200, {"data": [f.resource() for f in page], "meta": meta})

    def _add_integration(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["iid"])
        if incident is None:
            return _error(404, "Incident not found")
        body = _json_body(request, IncidentIntegrationMetadataCreateRequest)
        item = self.link_integration(incident, body["data"]["attributes"])
        return Response(201, {"data": copy.deepcopy(item)})

    def _list_integrations(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["iid"])
        if incident is None:
            return _error(404, "Incident not found")
        items = [integration_list_view(copy.deepcopy(i)) for i in self.integrations[incident["id"]]]
        return Response(200, {"data": items, "meta": pagination(0, len(items))})


def _canned(fault: Fault, status: int, route: str) -> Response:
    """An injected answer; error bodies and 429 headers default to Datadog's shapes."""
    body = fault.body
    if body is None and status >= 400:
        body = {"errors": [reason(status)]}
    elif isinstance(body, str):
        body = body.encode()
    headers: dict[str, str] = {}
    if status == 429:
        headers = {
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Period": "60",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "1",
            "X-RateLimit-Name": rate_limit_name(route),
        }
    headers.update(fault.headers)
    return Response(status, body, headers)
