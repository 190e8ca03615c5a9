"""A local Datadog API emulator: incidents, users, incident config, Slack integrations, monitors.

A real HTTP server (see `EmulatorServer`) so the bot's real HTTP client, timeouts and
retries are exercised. This module routes (every row of the bot's endpoint table,
bot/datadog/endpoints.py, with its template and permission), authorizes and injects
faults; the handlers are in `org_routes.py`, `incident_routes.py` and `monitor_routes.py`.
Bodies are checked with the official datadog-api-client models (`validate.py`), answers
copy recorded Datadog responses (`org_shapes.py`, `incident_shapes.py`,
`monitor_routes.py`), the org and its declare rules live in `state.py`. Faults (errors,
429s, delays, dropped or lost responses), lasting slowdowns and sliding-window rate limits
can be injected per route.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.datadog.endpoints import ENDPOINTS, Endpoint
from bot.emulators.base import EmulatorServer, Request, Response
from bot.emulators.datadog.faults import Fault, FaultPlan, rate_limit_name, reason
from bot.emulators.datadog.incident_routes import IncidentRoutes
from bot.emulators.datadog.monitor_routes import MonitorRoutes
from bot.emulators.datadog.org_routes import OrgRoutes
from bot.emulators.datadog.paging_routes import PagingRoutes
from bot.emulators.datadog.params import BadRequest, error_response
from bot.emulators.datadog.postmortem_routes import PostmortemRoutes
from bot.emulators.datadog.responder_routes import ResponderRoutes
from bot.emulators.datadog.state import DeclareError
from bot.emulators.datadog.status_page_routes import StatusPageRoutes

Handler = Callable[[Request, dict[str, str]], Response]

HANDLERS: dict[str, str] = {
    "validate_api_key": "_validate",
    "list_users": "_list_users",
    "get_monitor": "_get_monitor",
    "create_incident": "_create_incident",
    "list_incidents": "_list_incidents",
    "search_incidents": "_search",
    "list_incident_types": "_list_types",
    "list_incident_fields": "_list_fields",
    "get_incident": "_get_incident",
    "update_incident": "_update_incident",
    "link_integration": "_add_integration",
    "list_incident_roles": "_list_roles",
    "list_responders": "_list_responders",
    "add_responder": "_add_responder",
    "remove_responder": "_remove_responder",
    "list_teams": "_list_teams",
    "page_from_incident": "_page_incident",
    "get_status_page": "_get_status_page",
    "list_degradations": "_list_degradations",
    "create_degradation": "_create_degradation",
    "update_degradation": "_update_degradation",
    "list_attachments": "_list_attachments",
    "create_attachment": "_create_attachment",
    "list_todos": "_list_todos",
    "create_todo": "_create_todo",
    "update_todo": "_update_todo",
    "delete_todo": "_delete_todo",
    "create_postmortem": "_create_postmortem",
}
"""The handler of each row of the bot's endpoint table (bot/datadog/endpoints.py), by name:
every endpoint the bot calls is routed from the table, its template and its permission."""
EXTRA_ROUTES: tuple[tuple[Endpoint, str], ...] = (
    (Endpoint("GET", "/api/v2/users/{user_id}", "user_access_read"), "_get_user"),
    (
        Endpoint(
            "GET", "/api/v2/incidents/{incident_id}/relationships/integrations", "incident_read"
        ),
        "_list_integrations",
    ),
)
"""Routes the bot never calls, kept for tests to read what it did."""
DEFAULT_PERMISSIONS = frozenset(
    e.permission for e in (*ENDPOINTS, *(e for e, _ in EXTRA_ROUTES)) if e.permission
)


def _routes() -> list[tuple[Endpoint, str]]:
    """(row, handler name), rows without parameters first (`search` is no incident id)."""
    table = [(e, HANDLERS[name]) for name, e in ENDPOINTS._asdict().items()]
    return sorted([*table, *EXTRA_ROUTES], key=lambda route: len(route[0].params))


class DatadogEmulator(
    IncidentRoutes,
    OrgRoutes,
    MonitorRoutes,
    ResponderRoutes,
    PagingRoutes,
    StatusPageRoutes,
    PostmortemRoutes,
    EmulatorServer,
):
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
        self._init_monitors()
        self._init_responders()
        self._init_paging()
        self._init_status_pages()
        self._init_record()
        self._init_postmortems()
        self._routes: list[tuple[Endpoint, Handler]] = [
            (endpoint, getattr(self, name)) for endpoint, name in _routes()
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

    def slow(self, route: str, seconds: float) -> None:
        """Answer every request on `route` `seconds` later, until `clear_faults` (or 0).

        Unlike `inject(delay=...)` it is not used up, e.g. a Datadog whose search is slow:
        `slow("GET /api/v2/incidents/search", 8)`, `slow("GET /api/v2/incidents/{iid}", 8)`.
        """
        with self.lock:
            self._faults.slow(route, seconds)

    def rate_limit(self, route: str, *, limit: int, period: int) -> None:
        """At most `limit` requests per sliding `period` seconds; beyond that, 429."""
        with self.lock:
            self._faults.set_limit(route, limit, period)

    def clear_faults(self) -> None:
        """Forget queued faults, slowdowns and rate limits."""
        with self.lock:
            self._faults.clear()

    # --- dispatch ----------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        with self.lock:
            fault = self._faults.take(request.method, path)
            slowness = self._faults.slowness(request.method, path)
        if slowness:
            time.sleep(slowness)
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
        for endpoint, handler in self._routes:
            found = endpoint.pattern.fullmatch(path)
            if found and endpoint.method == method:
                return handler, found.groupdict(), endpoint.permission
        return None

    def _serve(self, request: Request, path: str) -> Response:
        route = self._route(request.method, path)
        if route is None:
            return error_response(404, "Not found")
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
            except BadRequest as exc:
                response = error_response(400, str(exc))
            except DeclareError as exc:
                response = error_response(exc.status, str(exc))
        response.headers.update(limit_headers)
        return response

    def _authorize(self, request: Request, permission: str | None) -> Response | None:
        """Permission None marks /api/v1/validate: API key only, any failure is a 403."""
        api_key = request.header("DD-API-KEY")
        if permission is None:
            return None if api_key == self.api_key else error_response(403, "Forbidden")
        app_key = request.header("DD-APPLICATION-KEY")
        if not api_key or not app_key:
            return error_response(401, "Unauthorized")
        if api_key != self.api_key or app_key != self.app_key:
            return error_response(403, "Forbidden")
        with self.lock:
            granted = permission in self.permissions
        if not granted:
            detail = "Failed permission authorization checks"
            if request.path.startswith("/api/v1/"):
                return error_response(403, detail)  # v1 errors are plain strings
            error = {"status": "403", "title": "Forbidden", "detail": detail}
            return Response(403, {"errors": [error]})
        return None


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
