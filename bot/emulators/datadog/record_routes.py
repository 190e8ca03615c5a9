"""The Datadog emulator's record of an incident: attachments and to-dos.

Shapes copy the recordings (`reference/datadog/cassettes/`: create and list incident
attachments, create, list and update an incident to-do): `documentUrl` in camelCase,
`included` users beside attachments, embedded `created_by`/`last_modified_by` users in a
to-do's POST/PATCH answer but `*_uuid` ids in the list, and a missing incident answered
`404 {"errors": [{"title": "Generic Error", "detail": "incident not found"}]}`. Bodies are
checked with datadog-api-client's `CreateAttachmentRequest`, `IncidentTodoCreateRequest`
and `IncidentTodoPatchRequest`. A mixin of the emulator (which provides `lock`, the
incidents and the users); state is public for tests: `attachments`, `todos`.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from datadog_api_client.v2.model.create_attachment_request import CreateAttachmentRequest
from datadog_api_client.v2.model.incident_todo_create_request import IncidentTodoCreateRequest
from datadog_api_client.v2.model.incident_todo_patch_request import IncidentTodoPatchRequest

from bot.emulators.base import Request, Response
from bot.emulators.datadog.incident_shapes import pagination
from bot.emulators.datadog.org_shapes import JSON, now_iso, user_ref
from bot.emulators.datadog.params import json_body, param
from bot.emulators.datadog.state import DatadogState

ATTACHMENT_TYPE_CODES = {"1": "postmortem", "2": "link"}
"""The spec documents `filter[attachment_type]` by these codes; names are accepted too."""


def generic_error(status: int, detail: str) -> Response:
    """The recorded error shape of these routes: `{"errors": [{"title", "detail"}]}`."""
    return Response(status, {"errors": [{"title": "Generic Error", "detail": detail}]})


class RecordRoutes(DatadogState):
    """`/api/v2/incidents/{incident_id}/attachments` and `…/relationships/todos`."""

    def _init_record(self) -> None:
        self.attachments: dict[str, list[JSON]] = {}
        """Incident id -> its attachments, as served (oldest first)."""
        self.todos: dict[str, dict[str, JSON]] = {}
        """Incident id -> to-do id -> the to-do, as the POST answered it (plus changes)."""

    # --- state, also for tests and the other attachment routes --------------------------
    def store_attachment(
        self, incident_id: str, attachment_type: str, url: str, title: str
    ) -> JSON:
        """Keep one attachment on the incident and return it as served."""
        with self.lock:
            item: JSON = {
                "id": str(uuid.uuid4()),
                "type": "incident_attachments",
                "attributes": {
                    "attachment": {"title": title, "documentUrl": url},
                    "attachment_type": attachment_type,
                    "modified": now_iso().replace("+00:00", "Z"),  # as recorded
                },
                "relationships": {
                    "incident": {"data": {"id": incident_id, "type": "incidents"}},
                    "last_modified_by_user": user_ref(self.owner_id),
                },
            }
            self.attachments.setdefault(incident_id, []).append(item)
            return copy.deepcopy(item)

    def complete_todo(self, incident_id: str, todo_id: str, completed: str | None) -> None:
        """Someone completes (a timestamp) or reopens (None) a to-do in Datadog's UI."""
        with self.lock:
            todo = self.todos[incident_id][todo_id]
            todo["attributes"]["completed"] = completed
            todo["attributes"]["modified"] = now_iso()

    def _owner_included(self) -> list[JSON]:
        owner = self.users[self.owner_id]
        user = owner.embedded()["data"]
        attrs = dict(user["attributes"])
        return [{"id": owner.id, "type": "users", "attributes": attrs}]

    # --- attachments ------------------------------------------------------------------------
    def _list_attachments(self, request: Request, params: dict[str, str]) -> Response:
        """`filter[attachment_type]`: a comma-separated list of types, by name or by the
        spec's codes (`1`, `2`)."""
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return generic_error(404, "incident not found")
        wanted = param(request, "filter[attachment_type]")
        types = {ATTACHMENT_TYPE_CODES.get(w, w) for w in wanted.split(",")} if wanted else None
        items = [
            copy.deepcopy(a)
            for a in self.attachments.get(incident["id"], [])
            if types is None or a["attributes"]["attachment_type"] in types
        ]
        body: JSON = {"data": items}
        if items:
            body["included"] = self._owner_included()
        return Response(200, body)

    def _create_attachment(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["incident_id"])
        body = json_body(request, CreateAttachmentRequest)
        if incident is None:
            return generic_error(404, "incident not found")
        attrs = body["data"]["attributes"]
        link = attrs.get("attachment") or {}
        item = self.store_attachment(
            incident["id"],
            attrs.get("attachment_type") or "link",
            str(link.get("documentUrl") or ""),
            str(link.get("title") or ""),
        )
        return Response(201, {"data": item, "included": self._owner_included()})

    # --- to-dos -------------------------------------------------------------------------------
    def _todo_served(self, todo: JSON, *, embed_users: bool) -> JSON:
        """POST and PATCH embed `created_by`/`last_modified_by`; the list names their ids."""
        out = copy.deepcopy(todo)
        attrs = out["attributes"]
        if embed_users:
            owner = self.users[self.owner_id].embedded()
            attrs["created_by"] = owner
            attrs["last_modified_by"] = copy.deepcopy(owner)
        else:
            attrs["created_by_uuid"] = self.owner_id
            attrs["last_modified_by_uuid"] = self.owner_id
        return out

    def _list_todos(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return generic_error(404, "incident not found")
        with self.lock:
            items = [
                self._todo_served(t, embed_users=False)
                for t in self.todos.get(incident["id"], {}).values()
            ]
        return Response(200, {"data": items, "meta": pagination(0, len(items))})

    def _create_todo(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.find_incident(params["incident_id"])
        body = json_body(request, IncidentTodoCreateRequest)
        if incident is None:
            return generic_error(404, "incident not found")
        sent = body["data"]["attributes"]
        created = now_iso()
        todo: JSON = {
            "type": "incident_todos",
            "id": str(uuid.uuid4()),
            "attributes": {
                "created": created,
                "modified": created,
                "completed": sent.get("completed"),
                "due_date": sent.get("due_date"),
                "assignees": copy.deepcopy(sent.get("assignees") or []),
                "content": sent["content"],
                "created_by_uuid": None,
                "incident_id": incident["id"],
                "last_modified_by_uuid": None,
            },
            "relationships": {
                "created_by_user": user_ref(self.owner_id),
                "last_modified_by_user": user_ref(self.owner_id),
            },
        }
        with self.lock:
            self.todos.setdefault(incident["id"], {})[todo["id"]] = todo
            served = self._todo_served(todo, embed_users=True)
        return Response(201, {"data": served})

    def _found_todo(self, params: dict[str, str]) -> tuple[JSON | None, Response | None]:
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return None, generic_error(404, "incident not found")
        with self.lock:
            todo = self.todos.get(incident["id"], {}).get(params["todo_id"])
        if todo is None:
            return None, generic_error(404, "todo not found")
        return todo, None

    def _update_todo(self, request: Request, params: dict[str, str]) -> Response:
        """PATCH: the attributes sent replace the stored ones (`completed: null` reopens)."""
        body = json_body(request, IncidentTodoPatchRequest)
        todo, missing = self._found_todo(params)
        if todo is None:
            assert missing is not None
            return missing
        with self.lock:
            attrs: dict[str, Any] = todo["attributes"]
            for key in ("content", "assignees", "due_date", "completed"):
                if key in body["data"]["attributes"]:
                    attrs[key] = copy.deepcopy(body["data"]["attributes"][key])
            attrs["modified"] = now_iso()
            attrs["created_by_uuid"] = self.owner_id
            attrs["last_modified_by_uuid"] = self.owner_id
            served = self._todo_served(todo, embed_users=True)
        return Response(200, {"data": served})

    def _delete_todo(self, request: Request, params: dict[str, str]) -> Response:
        todo, missing = self._found_todo(params)
        if todo is None:
            assert missing is not None
            return missing
        with self.lock:
            self.todos[todo["attributes"]["incident_id"]].pop(todo["id"], None)
        return Response(204, b"", {"Content-Type": "text/html; charset=utf-8"})
