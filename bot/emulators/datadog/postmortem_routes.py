"""The Datadog emulator's attachments of an incident: its postmortem, and the list.

Shapes copy the recordings (`reference/datadog/cassettes/`, create and list incident
attachments): `documentUrl` in camelCase, a notebook link, `modified` with a `Z`, the
app key's owner in `included`, and a missing incident answered
`404 {"errors": [{"title": "Generic Error", "detail": "incident not found"}]}`. A
postmortem body is checked with datadog-api-client's `PostmortemAttachmentRequest`; what
was sent (title, cells, template id) is kept for tests in `postmortems`. Like Datadog as far
as the spec says, a second postmortem is simply another attachment: exactly-once is the
bot's job, and tests count them. A mixin of the emulator (which provides `lock`, the
incidents and the users).
"""

from __future__ import annotations

import copy
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from datadog_api_client.v2.model.postmortem_attachment_request import (
    PostmortemAttachmentRequest,
)

from bot.emulators.base import Request, Response
from bot.emulators.datadog.org_shapes import JSON, user_ref
from bot.emulators.datadog.params import json_body, param
from bot.emulators.datadog.state import DatadogState

NOTEBOOK_URL = "https://app.datadoghq.com/notebook/{id}/{slug}"
ATTACHMENT_TYPE_CODES = {"1": "postmortem", "2": "link"}
"""The spec documents `filter[attachment_type]` by these codes; names are accepted too."""


def generic_error(status: int, detail: str) -> Response:
    """The recorded error shape of the attachment routes."""
    return Response(status, {"errors": [{"title": "Generic Error", "detail": detail}]})


def _modified() -> str:
    """As recorded: `2026-02-23T14:06:48.072714Z`."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class PostmortemRoutes(DatadogState):
    """`GET /api/v2/incidents/{incident_id}/attachments`, `POST …/attachments/postmortems`."""

    def _init_postmortems(self) -> None:
        self.attachments: dict[str, list[JSON]] = {}
        """Incident id -> its attachments as served, oldest first."""
        self.postmortems: dict[str, list[JSON]] = {}
        """Incident id -> the attributes of every postmortem created (title, cells, ...)."""
        self._notebooks = 0

    def postmortem_bodies(self, incident_id: str) -> list[JSON]:
        """The postmortems created on an incident (by UUID or public id), in order."""
        with self.lock:
            incident = self.find_incident(incident_id)
            key = incident["id"] if incident else incident_id
            return copy.deepcopy(self.postmortems.get(key, []))

    def _included_owner(self) -> list[JSON]:
        user = self.users[self.owner_id].embedded()["data"]
        return [{"id": user["id"], "type": "users", "attributes": dict(user["attributes"])}]

    def _attach(self, incident: JSON, kind: str, title: str, url: str) -> JSON:
        item: JSON = {
            "id": str(uuid.uuid4()),
            "type": "incident_attachments",
            "attributes": {
                "attachment": {"title": title, "documentUrl": url},
                "attachment_type": kind,
                "modified": _modified(),
            },
            "relationships": {
                "incident": {"data": {"id": incident["id"], "type": "incidents"}},
                "last_modified_by_user": user_ref(self.owner_id),
            },
        }
        self.attachments.setdefault(incident["id"], []).append(item)
        refs = incident["relationships"].setdefault("attachments", {"data": []})["data"]
        refs.append({"id": item["id"], "type": "incident_attachments"})
        return item

    def _list_attachments(self, request: Request, params: dict[str, str]) -> Response:
        """`filter[attachment_type]`: the spec's codes (`1`, `2`) or names, comma-separated."""
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return generic_error(404, "incident not found")
        wanted = param(request, "filter[attachment_type]")
        kinds = {ATTACHMENT_TYPE_CODES.get(w, w) for w in wanted.split(",")} if wanted else None
        items = [
            copy.deepcopy(a)
            for a in self.attachments.get(incident["id"], [])
            if kinds is None or a["attributes"]["attachment_type"] in kinds
        ]
        body: JSON = {"data": items}
        if items:
            body["included"] = self._included_owner()
        return Response(200, body)

    def _create_postmortem(self, request: Request, params: dict[str, str]) -> Response:
        body = json_body(request, PostmortemAttachmentRequest)
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return generic_error(404, "incident not found")
        attributes: dict[str, Any] = body["data"]["attributes"]
        title = str(attributes.get("title") or f"Postmortem-IR-{_public_id(incident)}")
        self._notebooks += 1
        slug = re.sub(r"[^A-Za-z0-9-]+", "-", title).strip("-") or "postmortem"
        url = NOTEBOOK_URL.format(id=1000 + self._notebooks, slug=slug)
        item = self._attach(incident, "postmortem", title, url)
        self.postmortems.setdefault(incident["id"], []).append(copy.deepcopy(attributes))
        return Response(201, {"data": copy.deepcopy(item), "included": self._included_owner()})


def _public_id(incident: JSON) -> int:
    return int(incident["attributes"]["public_id"])
