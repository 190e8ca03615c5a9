"""The Datadog emulator's postmortem of an incident: one more kind of attachment.

Shapes copy the recordings (`reference/datadog/cassettes/`, create incident attachments):
a notebook link in `documentUrl`, the app key's owner in `included`, and a missing incident
answered `404 {"errors": [{"title": "Generic Error", "detail": "incident not found"}]}`. A
postmortem body is checked with datadog-api-client's `PostmortemAttachmentRequest`; what
was sent (title, cells, template id) is kept for tests in `postmortems`. Like Datadog as far
as the spec says, a second postmortem is simply another attachment: exactly-once is the
bot's job, and tests count them. The attachment itself is kept with the others, so the one
list (record_routes.py) serves links and postmortems alike.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from datadog_api_client.v2.model.postmortem_attachment_request import (
    PostmortemAttachmentRequest,
)

from bot.emulators.base import Request, Response
from bot.emulators.datadog.org_shapes import JSON
from bot.emulators.datadog.params import json_body
from bot.emulators.datadog.record_routes import RecordRoutes, generic_error

NOTEBOOK_URL = "https://app.datadoghq.com/notebook/{id}/{slug}"


class PostmortemRoutes(RecordRoutes):
    """`POST /api/v2/incidents/{incident_id}/attachments/postmortems`."""

    def _init_postmortems(self) -> None:
        self.postmortems: dict[str, list[JSON]] = {}
        """Incident id -> the attributes of every postmortem created (title, cells, ...)."""
        self._notebooks = 0

    def postmortem_bodies(self, incident_id: str) -> list[JSON]:
        """The postmortems created on an incident (by UUID or public id), in order."""
        with self.lock:
            incident = self.find_incident(incident_id)
            key = incident["id"] if incident else incident_id
            return copy.deepcopy(self.postmortems.get(key, []))

    def _create_postmortem(self, request: Request, params: dict[str, str]) -> Response:
        body = json_body(request, PostmortemAttachmentRequest)
        incident = self.find_incident(params["incident_id"])
        if incident is None:
            return generic_error(404, "incident not found")
        attributes: dict[str, Any] = body["data"]["attributes"]
        public_id = int(incident["attributes"]["public_id"])
        title = str(attributes.get("title") or f"Postmortem-IR-{public_id}")
        with self.lock:
            self._notebooks += 1
            number = 1000 + self._notebooks
            self.postmortems.setdefault(incident["id"], []).append(copy.deepcopy(attributes))
        slug = re.sub(r"[^A-Za-z0-9-]+", "-", title).strip("-") or "postmortem"
        url = NOTEBOOK_URL.format(id=number, slug=slug)
        with self.lock:
            item = self.store_attachment(incident["id"], "postmortem", url, title)
            refs = incident["relationships"].setdefault("attachments", {"data": []})["data"]
            refs.append({"id": item["id"], "type": "incident_attachments"})
        return Response(201, {"data": item, "included": self._owner_included()})
