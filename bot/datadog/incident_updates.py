"""The domain's IncidentUpdater over DatadogClient: GET and PATCH one incident.

Failures become `StepFailed` with Datadog's reason (the person reads it with Retry):
5xx, 429 and timeouts are retryable (a PATCH of the same fields is safe to resend).
`current_incident` is the read before an ack: one attempt within a budget, `ReadTooSlow`
when Datadog is slow or rate-limiting.
"""

from __future__ import annotations

from bot.datadog.client import DatadogClient
from bot.datadog.errors import DatadogError
from bot.datadog.gateway import budget_failed, step_failed
from bot.datadog.update_models import IncidentParseError, update_request
from bot.domain.incident.state import IncidentChanges, IncidentView
from bot.domain.reliability.outcomes import StepFailed


class DatadogIncidents:
    def __init__(self, client: DatadogClient) -> None:
        self.client = client

    def get_incident(self, incident_id: str) -> IncidentView:
        return self._read(incident_id, None)

    def current_incident(self, incident_id: str, *, budget: float) -> IncidentView:
        return self._read(incident_id, budget)

    def _read(self, incident_id: str, budget: float | None) -> IncidentView:
        """One incident: with the retry policy, or within `budget` (one try, no waits)."""
        try:
            return self.client.view(self.client.get_incident(incident_id, budget=budget))
        except DatadogError as exc:
            raise (step_failed(exc) if budget is None else budget_failed(exc)) from exc
        except IncidentParseError as exc:
            raise StepFailed(
                f"Datadog's incident could not be read ({exc}).", retryable=True
            ) from exc

    def update_incident(self, incident_id: str, changes: IncidentChanges) -> IncidentView:
        try:
            updated = self.client.update_incident(incident_id, update_request(incident_id, changes))
            return self.client.view(updated)
        except DatadogError as exc:
            failed = step_failed(exc)
            # Unlike a create, resending the same PATCH is harmless: never "ambiguous".
            raise StepFailed(failed.reason, retryable=failed.retryable, wait=failed.wait) from exc
        except IncidentParseError as exc:
            raise StepFailed(
                f"Datadog's answer could not be read ({exc}).", retryable=True
            ) from exc
