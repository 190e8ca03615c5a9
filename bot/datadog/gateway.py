"""The domain's view of Datadog: incidents and users, failures as `StepFailed`."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.datadog.client import DatadogClient
from bot.datadog.errors import (
    DatadogAmbiguousError,
    DatadogError,
    DatadogRateLimited,
    DatadogServerError,
    DatadogTransportError,
)
from bot.datadog.requests import create_request, slack_integration_request
from bot.domain.declaration import Declaration, Handle
from bot.domain.ports import CreatedIncident, LookupFailed, StepFailed
from bot.domain.record import DeclarationRecord

log = logging.getLogger(__name__)

CLOCK_SKEW = 120.0
"""Seconds of slack when comparing our clock with Datadog's `created`."""


def _step_failed(exc: DatadogError) -> StepFailed:
    if isinstance(exc, DatadogRateLimited):
        return StepFailed(exc.user_message, retryable=True, wait=exc.reset_after)
    if isinstance(exc, DatadogServerError):
        return StepFailed(exc.user_message, retryable=True, ambiguous=True)
    if isinstance(exc, DatadogAmbiguousError):
        return StepFailed(exc.user_message, retryable=True, ambiguous=True)
    if isinstance(exc, DatadogTransportError):
        return StepFailed(exc.user_message, retryable=True)
    return StepFailed(exc.user_message, retryable=False)


def _epoch(timestamp: str | None) -> float | None:
    if not timestamp:
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class DatadogGateway:
    """Implements the domain's IncidentGateway and UserDirectory over DatadogClient."""

    def __init__(self, client: DatadogClient) -> None:
        self.client = client

    def active_user_id(self, email: str) -> str | None:
        try:
            user = self.client.find_active_user_by_email(email)
        except DatadogError as exc:
            raise LookupFailed(f"Looking up {email} in Datadog failed. {exc.user_message}") from exc
        return user.id if user else None

    def create(
        self, declaration: Declaration, commander_id: str, handles: tuple[Handle, ...]
    ) -> CreatedIncident:
        try:
            incident = self.client.create_incident(
                create_request(declaration, commander_id, handles)
            )
        except DatadogError as exc:
            raise _step_failed(exc) from exc
        return CreatedIncident(id=incident.id, public_id=incident.public_id, url=incident.url)

    def find_created(
        self, declaration: Declaration, commander_id: str, since: float
    ) -> CreatedIncident | None:
        """The incident an earlier, unanswered create made: same title and commander, newer."""
        try:
            candidates = self.client.search_incidents(
                declaration.title.replace('"', " "), sort="-created", page_size=50
            )
        except DatadogError as exc:
            raise _step_failed(exc) from exc
        for incident in candidates:
            created = _epoch(incident.created)
            if incident.title != declaration.title or incident.commander_id != commander_id:
                continue
            if created is not None and created < since - CLOCK_SKEW:
                continue
            return CreatedIncident(id=incident.id, public_id=incident.public_id, url=incident.url)
        return None

    def link_slack(self, record: DeclarationRecord) -> None:
        if record.incident_id is None or record.delivered not in ("channel", "thread"):
            return
        permalink = record.announce_permalink or ""
        try:
            self.client.link_slack_thread(
                record.incident_id, slack_integration_request(record, permalink)
            )
        except DatadogError as exc:
            log.warning("linking incident %s to Slack failed: %s", record.public_id, exc)
            raise StepFailed(exc.user_message, retryable=False) from exc
