"""Every Datadog endpoint declare-bot calls, in one table: the twin of slack/common/scopes.py.

A row gives the method, the path template (the OpenAPI spec's, e.g.
`/api/v2/incidents/{incident_id}`), the application-key permission the call needs (None:
the API key alone), whether the spec marks it `x-unstable`, and whether the bot works
without it (`optional`). Who reads it:

- `DatadogClient` builds each request from its row: `ENDPOINTS.get_incident.path(incident_id=...)`;
- `bot/metrics.py` labels requests with a row's `label` (`{id}` for every parameter), and
  anything else `other`, so the label set is closed;
- `declare-bot check` names the permissions to grant (`APP_KEY_PERMISSIONS`);
- the Datadog emulator routes every row (tests/datadog/test_endpoints.py keeps the table,
  the client, the emulator and the spec in step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple
from urllib.parse import quote

_PARAM = re.compile(r"\{(\w+)\}")
OTHER = "other"
"""The metrics label of a path no row matches."""


def template_pattern(template: str) -> re.Pattern[str]:
    """`/api/v2/incidents/{incident_id}` → a pattern whose `{name}` matches one segment."""
    parts = _PARAM.split(template)
    # split alternates literal text and parameter names: even indexes are literal
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(regex)


@dataclass(frozen=True)
class Endpoint:
    """One Datadog operation the bot calls."""

    method: str
    template: str
    permission: str | None
    unstable: bool = False
    optional: bool = False
    """The bot works without this permission (a monitor read only fills the form)."""
    params: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(_PARAM.findall(self.template)))

    @property
    def label(self) -> str:
        """The metrics label: the template with every parameter as `{id}`."""
        return _PARAM.sub("{id}", self.template)

    @property
    def route(self) -> str:
        """ "METHOD /template", as printed by `check` and matched by the emulator's faults."""
        return f"{self.method} {self.template}"

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return template_pattern(self.template)

    def path(self, **values: object) -> str:
        """The path with each parameter filled in, percent-encoded to stay one segment.

        `ENDPOINTS.get_incident.path(incident_id="0f3c...")` → `/api/v2/incidents/0f3c...`.
        """
        if set(values) != set(self.params):
            raise TypeError(f"{self.route} takes {self.params}, not {tuple(values)}")
        return _PARAM.sub(lambda m: quote(str(values[m.group(1)]), safe=""), self.template)


class DatadogEndpoints(NamedTuple):
    """The table, by name; iterate it for every row."""

    validate_api_key: Endpoint
    list_users: Endpoint
    search_incidents: Endpoint
    list_incidents: Endpoint
    get_incident: Endpoint
    create_incident: Endpoint
    update_incident: Endpoint
    link_integration: Endpoint
    list_incident_types: Endpoint
    list_incident_fields: Endpoint
    get_monitor: Endpoint
    list_incident_roles: Endpoint
    list_responders: Endpoint
    add_responder: Endpoint
    remove_responder: Endpoint
    list_teams: Endpoint
    page_from_incident: Endpoint
    get_status_page: Endpoint
    list_degradations: Endpoint
    create_degradation: Endpoint
    update_degradation: Endpoint
    list_attachments: Endpoint
    create_attachment: Endpoint
    list_todos: Endpoint
    create_todo: Endpoint
    update_todo: Endpoint
    delete_todo: Endpoint
    create_postmortem: Endpoint


ENDPOINTS = DatadogEndpoints(
    validate_api_key=Endpoint("GET", "/api/v1/validate", None),
    list_users=Endpoint("GET", "/api/v2/users", "user_access_read"),
    search_incidents=Endpoint("GET", "/api/v2/incidents/search", "incident_read", unstable=True),
    list_incidents=Endpoint("GET", "/api/v2/incidents", "incident_read", unstable=True),
    get_incident=Endpoint("GET", "/api/v2/incidents/{incident_id}", "incident_read", unstable=True),
    create_incident=Endpoint("POST", "/api/v2/incidents", "incident_write", unstable=True),
    update_incident=Endpoint(
        "PATCH", "/api/v2/incidents/{incident_id}", "incident_write", unstable=True
    ),
    link_integration=Endpoint(
        "POST",
        "/api/v2/incidents/{incident_id}/relationships/integrations",
        "incident_write",
        unstable=True,
    ),
    list_incident_types=Endpoint(
        "GET", "/api/v2/incidents/config/types", "incident_settings_read", unstable=True
    ),
    # The spec asks incident_read here; the bot has always named incident_settings_read, as
    # for the types (tests/datadog/test_endpoints.py records the difference).
    list_incident_fields=Endpoint(
        "GET",
        "/api/v2/incidents/config/user-defined-fields",
        "incident_settings_read",
        unstable=True,
    ),
    get_monitor=Endpoint("GET", "/api/v1/monitor/{monitor_id}", "monitors_read", optional=True),
    # Responders and roles (issue 22): absent from the April spec; the official client
    # (2.62) has them, unstable like every incidents operation, and Datadog's API pages
    # name the permissions (tests/datadog/test_endpoints.py checks the client's paths).
    list_incident_roles=Endpoint(
        "GET",
        "/api/v2/incidents/config/user-defined-roles",
        "incident_settings_read",
        unstable=True,
    ),
    list_responders=Endpoint(
        "GET", "/api/v2/incidents/{incident_id}/responders", "incident_read", unstable=True
    ),
    add_responder=Endpoint(
        "POST", "/api/v2/incidents/{incident_id}/responders", "incident_write", unstable=True
    ),
    remove_responder=Endpoint(
        "DELETE",
        "/api/v2/incidents/{incident_id}/responders/{responder_id}",
        "incident_write",
        unstable=True,
    ),
    # Paging (docs/paging.md) is optional: without On-Call or these permissions the bot
    # declares as before and `check` says paging will not work.
    list_teams=Endpoint("GET", "/api/v2/team", "teams_read", optional=True),
    # Absent from the April spec; the official client's create_on_call_page_from_incident.
    # Datadog asks oncall_page AND incident_write (the emulator checks both).
    page_from_incident=Endpoint(
        "POST",
        "/api/v2/incidents/{incident_id}/page",
        "oncall_page",
        unstable=True,
        optional=True,
    ),
    # Status pages: only when DECLARE_STATUS_PAGE is set (docs/status-page.md), so optional;
    # `declare-bot check` says whether the page is readable when it is.
    get_status_page=Endpoint(
        "GET", "/api/v2/statuspages/{page_id}", "status_pages_settings_read", optional=True
    ),
    list_degradations=Endpoint(
        "GET", "/api/v2/statuspages/degradations", "status_pages_settings_read", optional=True
    ),
    create_degradation=Endpoint(
        "POST",
        "/api/v2/statuspages/{page_id}/degradations",
        "status_pages_incident_write",
        optional=True,
    ),
    update_degradation=Endpoint(
        "PATCH",
        "/api/v2/statuspages/{page_id}/degradations/{degradation_id}",
        "status_pages_incident_write",
        optional=True,
    ),
    # The record (docs/record.md): captured messages as link attachments, and to-dos.
    list_attachments=Endpoint(
        "GET", "/api/v2/incidents/{incident_id}/attachments", "incident_read", unstable=True
    ),
    create_attachment=Endpoint(
        "POST", "/api/v2/incidents/{incident_id}/attachments", "incident_write", unstable=True
    ),
    list_todos=Endpoint(
        "GET", "/api/v2/incidents/{incident_id}/relationships/todos", "incident_read", unstable=True
    ),
    create_todo=Endpoint(
        "POST",
        "/api/v2/incidents/{incident_id}/relationships/todos",
        "incident_write",
        unstable=True,
    ),
    update_todo=Endpoint(
        "PATCH",
        "/api/v2/incidents/{incident_id}/relationships/todos/{todo_id}",
        "incident_write",
        unstable=True,
    ),
    delete_todo=Endpoint(
        "DELETE",
        "/api/v2/incidents/{incident_id}/relationships/todos/{todo_id}",
        "incident_write",
        unstable=True,
    ),
    # The postmortem (docs/postmortem.md). The spec names no permission for it; the bot asks
    # incident_write, as for every other incident write (tests/datadog/test_endpoints.py).
    create_postmortem=Endpoint(
        "POST",
        "/api/v2/incidents/{incident_id}/attachments/postmortems",
        "incident_write",
        unstable=True,
    ),
)

APP_KEY_PERMISSIONS: tuple[str, ...] = tuple(
    dict.fromkeys(e.permission for e in ENDPOINTS if e.permission and not e.optional)
)
"""The application-key permissions declare-bot needs, in the table's order."""

_BY_SPECIFICITY = sorted(ENDPOINTS, key=lambda e: len(e.params))
"""Rows without parameters first: `/incidents/search` is not `/incidents/{incident_id}`."""


def endpoint_for(method: str | None, path: str) -> Endpoint | None:
    """The row a request matches (any method when `method` is None), or None."""
    path = path.split("?")[0]
    for endpoint in _BY_SPECIFICITY:
        if (method is None or endpoint.method == method.upper()) and endpoint.pattern.fullmatch(
            path
        ):
            return endpoint
    return None


def endpoint_label(path: str) -> str:
    """The metrics label of a path: its row's template with `{id}`, else `other`."""
    endpoint = endpoint_for(None, path)
    return endpoint.label if endpoint else OTHER
