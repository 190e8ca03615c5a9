"""The Datadog emulator's org routes: key validation, users, incident types and fields.

Handlers run under the emulator's lock and read the org from `DatadogState`.
"""

from __future__ import annotations

from bot.emulators.base import Request, Response
from bot.emulators.datadog.org_shapes import User
from bot.emulators.datadog.params import BadRequest, error_response, int_param, param
from bot.emulators.datadog.state import DatadogState


class OrgRoutes(DatadogState):
    """GET /api/v1/validate, /api/v2/users, /api/v2/incidents/config/*."""

    def _validate(self, request: Request, params: dict[str, str]) -> Response:
        return Response(200, {"valid": True})

    def _list_users(self, request: Request, params: dict[str, str]) -> Response:
        """`filter`: substring of name/handle/email; `filter[status]`: comma list."""
        text = (param(request, "filter") or "").lower()
        statuses = {s.strip().lower() for s in (param(request, "filter[status]") or "").split(",")}
        statuses.discard("")
        size = int_param(request, "page[size]", 10)
        number = int_param(request, "page[number]", 0)
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
        sort = param(request, "sort") or "name"
        descending = sort.startswith("-") != (param(request, "sort_dir") == "desc")
        key = sort.lstrip("-")
        if key not in ("name", "email", "created_at", "modified_at", "status"):
            raise BadRequest(f"Invalid sort field: {key}")
        attr = "created_at" if key == "modified_at" else key
        return sorted(
            self.users.values(),
            key=lambda u: str(getattr(u, attr) or "").lower(),
            reverse=descending,
        )

    def _get_user(self, request: Request, params: dict[str, str]) -> Response:
        user = self.users.get(params["user_id"])
        if user is None:
            return error_response(404, "User not found")
        return Response(200, {"data": user.resource(self.org_id)})

    def _list_types(self, request: Request, params: dict[str, str]) -> Response:
        return Response(200, {"data": [t.resource() for t in self.incident_types.values()]})

    def _list_fields(self, request: Request, params: dict[str, str]) -> Response:
        """All fields, or one type's with `filter[incident-type]`; `page[size]`/`page[number]`."""
        type_id = param(request, "filter[incident-type]")
        size = int_param(request, "page[size]", 1000)
        number = int_param(request, "page[number]", 0)
        fields = [f for f in self.fields.values() if not type_id or f.incident_type_id == type_id]
        page = fields[number * size : (number + 1) * size]
        meta = {"offset": number * size, "size": len(page)}
        return Response(200, {"data": [f.resource() for f in page], "meta": meta})
