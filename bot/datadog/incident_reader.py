"""The sync's view of Datadog (`IncidentReader`): one search for open incidents, one GET."""

from __future__ import annotations

from bot.datadog.client import OPEN_QUERY, DatadogClient
from bot.datadog.errors import DatadogError, DatadogNotFound
from bot.datadog.update_models import incident_view
from bot.domain.incident_state import IncidentView
from bot.domain.sync import IncidentGone
from bot.domain.sync_ports import IncidentReadFailed

SEARCH_PAGE_MAX = 100
"""The largest search page asked for: the sync reads the open set in one request."""


class DatadogIncidentReader:
    """Incidents read as `IncidentView`s, with their links on the configured site."""

    def __init__(self, client: DatadogClient) -> None:
        self.client = client

    def open_incidents(self, limit: int) -> list[IncidentView]:
        """Active and stable incidents, newest first: one request of up to 100."""
        try:
            found = self.client.search_incidents(OPEN_QUERY, page_size=min(limit, SEARCH_PAGE_MAX))
        except DatadogError as exc:
            raise IncidentReadFailed(exc.user_message) from exc
        return [incident_view(i.document, self.client.incident_url) for i in found]

    def incident(self, incident_id: str) -> IncidentView:
        try:
            found = self.client.get_incident(incident_id, include_users=True)
        except DatadogNotFound as exc:
            raise IncidentGone(incident_id) from exc
        except DatadogError as exc:
            raise IncidentReadFailed(exc.user_message) from exc
        return incident_view(found.document, self.client.incident_url)
