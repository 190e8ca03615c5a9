"""The Datadog emulator's incident routes: create, read, update, list, search, integrations.

Handlers run under the emulator's lock; bodies are checked with datadog-api-client's
models (`params.json_body`); the declare rules live in `DatadogState.declare`, the
update (merge) rules in `IncidentUpdates.apply_update` (incident_update.py).
"""

from __future__ import annotations

import copy

from datadog_api_client.v2.model.incident_create_request import IncidentCreateRequest
from datadog_api_client.v2.model.incident_integration_metadata_create_request import (
    IncidentIntegrationMetadataCreateRequest,
)
from datadog_api_client.v2.model.incident_update_request import IncidentUpdateRequest

from bot.emulators.base import Request, Response
from bot.emulators.datadog.incident_shapes import (
    included_users,
    integration_list_view,
    pagination,
    public_view,
)
from bot.emulators.datadog.incident_update import IncidentUpdates, patch_view
from bot.emulators.datadog.org_shapes import JSON
from bot.emulators.datadog.params import BadRequest, error_response, int_param, json_body, param
from bot.emulators.datadog.search_query import matches, parse_query
from bot.emulators.datadog.state import facets

SEARCH_PAGE_MAX = 100
"""The OpenAPI spec's `PageSize`: "The maximum allowed value is 100"."""


class IncidentRoutes(IncidentUpdates):
    """/api/v2/incidents and the incident's integrations relationship."""

    def _create_incident(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.declare(json_body(request, IncidentCreateRequest))
        return Response(201, {"data": public_view(copy.deepcopy(incident), embed_users=True)})

    def _get_incident(self, request: Request, params: dict[str, str]) -> Response:
        """`include=users` adds the users the incident names as `included` (as Datadog does)."""
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return error_response(404, "Incident not found")
        body: JSON = {"data": public_view(copy.deepcopy(incident), embed_users=False)}
        if "users" in (param(request, "include") or "").split(","):
            body["included"] = included_users(incident)
        return Response(200, body)

    def _update_incident(self, request: Request, params: dict[str, str]) -> Response:
        """PATCH: the app key's owner is the acting user (`last_modified_by`)."""
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return error_response(404, "Incident not found")
        body = json_body(request, IncidentUpdateRequest)
        before = self.apply_update(incident, body, self.owner_id)
        served = public_view(copy.deepcopy(incident), embed_users=True)
        return Response(200, {"data": patch_view(served, before)})

    def _list_incidents(self, request: Request, params: dict[str, str]) -> Response:
        """Oldest first (newest last), `page[size]`/`page[offset]`."""
        size = int_param(request, "page[size]", 10)
        offset = int_param(request, "page[offset]", 0)
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
        `page[size]` (default 10) may not pass the spec's maximum of 100, so a client that
        asks for more and takes a short page for the end is caught here.
        """
        query = param(request, "query")
        if query is None:
            raise BadRequest("Missing required query parameter: query")
        sort = param(request, "sort") or "-created"
        if sort not in ("created", "-created"):
            raise BadRequest(f"Invalid sort: {sort} (expected created or -created)")
        size = int_param(request, "page[size]", 10)
        if size > SEARCH_PAGE_MAX:
            raise BadRequest(f"Invalid value for page[size]: the maximum is {SEARCH_PAGE_MAX}")
        offset = int_param(request, "page[offset]", 0)
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

    def _add_integration(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return error_response(404, "Incident not found")
        body = json_body(request, IncidentIntegrationMetadataCreateRequest)
        item = self.link_integration(incident, body["data"]["attributes"])
        return Response(201, {"data": copy.deepcopy(item)})

    def _list_integrations(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return error_response(404, "Incident not found")
        items = [integration_list_view(copy.deepcopy(i)) for i in self.integrations[incident["id"]]]
        return Response(200, {"data": items, "meta": pagination(0, len(items))})
