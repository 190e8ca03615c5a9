"""The sync's view of Datadog (`IncidentReader`): a paged search for open incidents, one GET."""

from __future__ import annotations

from bot.datadog.client import DatadogClient
from bot.datadog.errors import DatadogError, DatadogNotFound
from bot.datadog.update_models import incident_view
from bot.domain.incident.state import IncidentView
from bot.domain.sync.follow import IncidentGone
from bot.domain.sync.ports import IncidentReadFailed, OpenIncidents


class DatadogIncidentReader:
    """Incidents read as `IncidentView`s, with their links on the configured site."""

    def __init__(self, client: DatadogClient) -> None:
        self.client = client

    def open_incidents(self, limit: int) -> OpenIncidents:
        """Active and stable incidents, newest first: one request per 100. An incident
        created between two pages shifts the offsets: one may be listed twice or not at
        all (the sync GETs a card its search missed)."""
        views: list[IncidentView] = []
        requests = 0
        try:
            for page in self.client.open_incident_pages(limit):
                requests += 1
                views.extend(incident_view(i.document, self.client.incident_url) for i in page)
        except DatadogError as exc:
            raise IncidentReadFailed(exc.user_message) from exc
        return OpenIncidents(tuple(views), requests)

    def incident(self, incident_id: str) -> IncidentView:
        try:
            found = self.client.get_incident(incident_id, include_users=True)
        except DatadogNotFound as exc:
            raise IncidentGone(incident_id) from exc
        except DatadogError as exc:
            raise IncidentReadFailed(exc.user_message) from exc
        return incident_view(found.document, self.client.incident_url)
