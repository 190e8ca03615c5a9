"""The domain's view of Datadog: incidents, users and monitors, failures as domain errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import httpx

from bot.datadog.client import DatadogClient
from bot.datadog.errors import (
    DatadogAmbiguousError,
    DatadogError,
    DatadogRateLimited,
    DatadogServerError,
    DatadogStatusError,
    DatadogTimeout,
    DatadogTransportError,
    DatadogUnreadableResponse,
)
from bot.datadog.models import Incident
from bot.datadog.requests import create_request, slack_integration_request
from bot.domain.declare.ports import CreatedIncident
from bot.domain.declare.record import DeclarationRecord
from bot.domain.incident.declaration import Declaration, Handle
from bot.domain.monitor.alert import Monitor, MonitorNotRead, not_read_reason
from bot.domain.reliability.outcomes import LookupFailed, ReadTooSlow, StepFailed

log = logging.getLogger(__name__)

CLOCK_SKEW = 120.0
"""Seconds of slack when comparing our clock with Datadog's `created`."""
RECENT_QUERY = "state:(active OR stable OR resolved)"
"""Every incident, as Datadog's own client tests search; titles are compared here instead."""
PAGE_SIZE = 50
SEARCH_PAGES = 4
LIST_PAGES = 10
UNREADABLE_CREATE = (
    "Datadog's answer to the create could not be read, so the incident may exist; "
    "declare-bot looks for it before trying again."
)
UNREADABLE_READ = "Datadog's answer could not be read while looking for the incident."
MAX_DOUBLINGS = 30
"""Bounds the search for the list's tail (2**30 incidents) if an API ignored offsets."""


def _same_declaration(
    incident: Incident, declaration: Declaration, commander_id: str, threshold: float
) -> bool:
    created = _epoch(incident.created)
    return (
        incident.title == declaration.title
        and incident.commander_id == commander_id
        and incident.severity in (None, declaration.severity)
        and (created is None or created >= threshold)
    )


def step_failed(exc: DatadogError) -> StepFailed:
    if isinstance(exc, DatadogRateLimited):
        return StepFailed(exc.user_message, retryable=True, wait=exc.reset_after)
    if isinstance(exc, DatadogServerError | DatadogAmbiguousError):
        return StepFailed(exc.user_message, retryable=True, ambiguous=True)
    if isinstance(exc, DatadogUnreadableResponse):  # a create's unreadable 2xx may have made it
        return StepFailed(exc.user_message, retryable=True, ambiguous=exc.ambiguous)
    if isinstance(exc, DatadogTransportError):
        return StepFailed(exc.user_message, retryable=True)
    return StepFailed(exc.user_message, retryable=False)


def budget_failed(exc: DatadogError) -> StepFailed:
    """A budgeted read's failure (one attempt, before an ack): out of time, or a 429 that
    was not waited out, is ReadTooSlow; anything else as `step_failed` says."""
    if isinstance(exc, DatadogRateLimited):
        return ReadTooSlow.rate_limited(exc.reset_after)
    if isinstance(exc, DatadogTimeout) or isinstance(exc.__cause__, httpx.TimeoutException):
        return ReadTooSlow()  # the second: a connect or pool timeout, raised as "cannot connect"
    return step_failed(exc)


def _epoch(timestamp: str | None) -> float | None:
    if not timestamp:
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class DatadogGateway:
    """Implements the domain's IncidentGateway, UserDirectory and MonitorReader."""

    def __init__(self, client: DatadogClient, *, monitor_timeout: float = 2.5) -> None:
        self.client = client
        self.monitor_timeout = monitor_timeout
        """Seconds a monitor read may take; the form is already open, it just stays unfilled."""

    @property
    def site(self) -> str:
        return self.client.site

    def read_monitor(self, monitor_id: int) -> Monitor:
        """One short try (`DatadogClient.get_monitor`); any failure is MonitorNotRead."""
        try:
            limit = self.monitor_timeout
            timeout = httpx.Timeout(limit, connect=min(1.0, limit))
            return self.client.get_monitor(monitor_id, timeout=timeout)
        except DatadogStatusError as exc:
            reason = not_read_reason(monitor_id, exc.status)
        except DatadogTimeout:
            reason = not_read_reason(monitor_id, None)
        except DatadogTransportError:
            reason = f"monitor {monitor_id} was not read: Datadog could not be reached"
        except DatadogUnreadableResponse:
            reason = f"monitor {monitor_id} was not read: Datadog's answer could not be read"
        log.info("monitor %s not read: %s", monitor_id, reason)
        raise MonitorNotRead(reason)

    def active_user_id(self, email: str) -> str | None:
        try:
            user = self.client.find_active_user_by_email(email)
        except DatadogError as exc:
            raise LookupFailed(f"Looking up {email} in Datadog failed. {exc.user_message}") from exc
        return user.id if user else None

    def create(
        self, declaration: Declaration, commander_id: str, handles: tuple[Handle, ...]
    ) -> CreatedIncident:
        """Create; a 2xx that can't be read means "may have been created" (look, don't resend)."""
        try:
            incident = self.client.create_incident(
                create_request(declaration, commander_id, handles)
            )
        except DatadogError as exc:
            raise step_failed(exc) from exc
        except ValueError as exc:
            log.warning("datadog's answer to the create could not be read: %s", exc)
            raise StepFailed(UNREADABLE_CREATE, retryable=True, ambiguous=True) from exc
        return self._complete(incident)

    def _complete(self, incident: Incident) -> CreatedIncident:
        """The incident as the domain needs it; a missing public id is read back with a GET,
        so the incident is never announced as IR-0."""
        if not incident.public_id and incident.id:
            try:
                incident = self.client.get_incident(incident.id)
            except (DatadogError, ValueError) as exc:
                log.warning("reading back incident %s failed: %s", incident.id, exc)
                raise StepFailed(UNREADABLE_CREATE, retryable=True, ambiguous=True) from exc
        if not incident.public_id or not incident.id:
            raise StepFailed(UNREADABLE_CREATE, retryable=True, ambiguous=True)
        return CreatedIncident(id=incident.id, public_id=incident.public_id, url=incident.url)

    def find_created(
        self, declaration: Declaration, commander_id: str, since: float
    ) -> CreatedIncident | None:
        """The incident an earlier, unanswered create made, or None.

        Datadog's create takes no idempotency key and its timeline can't be read back, so
        the incident is recognised by what was sent: same title, commander and severity,
        created after `since` (less clock skew). Search answers in one call, but its index
        can lag a fresh create (as recorded), so on a miss the list endpoint, which shows an
        incident at once but oldest first, is read from its tail.
        """
        threshold = since - CLOCK_SKEW
        try:
            for source in (self._recent_search, self._recent_list):
                for incident in source(threshold):
                    if _same_declaration(incident, declaration, commander_id, threshold):
                        return self._complete(incident)
        except DatadogError as exc:
            raise step_failed(exc) from exc
        except ValueError as exc:  # an unreadable answer to a read: try again later
            raise StepFailed(UNREADABLE_READ, retryable=True, ambiguous=True) from exc
        return None

    def _recent_search(self, threshold: float) -> Iterator[Incident]:
        """Newest first; the query names no title, so `:`, `-` or quotes can't change it."""
        for page in range(SEARCH_PAGES):
            hits = self.client.search_incidents(
                RECENT_QUERY, sort="-created", page_size=PAGE_SIZE, offset=page * PAGE_SIZE
            )
            for incident in hits:
                created = _epoch(incident.created)
                if created is not None and created < threshold:
                    return
                yield incident
            if len(hits) < PAGE_SIZE:
                return

    def _recent_list(self, threshold: float) -> Iterator[Incident]:
        """Incidents created since `threshold`: binary-search the oldest-first list, read on."""

        def recent(offset: int) -> bool:
            """True past the end of the list, or when the incident there is recent."""
            items = self.client.list_incidents(offset=offset, page_size=1)
            created = _epoch(items[0].created) if items else None
            return not items or created is None or created >= threshold

        start = 0
        if not recent(0):
            low, high = 0, 1  # invariant: recent(high) is what we look for, recent(low) isn't
            for _ in range(MAX_DOUBLINGS):
                if recent(high):
                    break
                low, high = high, 2 * high
            else:
                return
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (low, middle) if recent(middle) else (middle, high)
            start = high
        for page in range(LIST_PAGES):
            offset = start + page * PAGE_SIZE
            items = self.client.list_incidents(offset=offset, page_size=PAGE_SIZE)
            yield from items
            if len(items) < PAGE_SIZE:
                return

    def link_slack(self, record: DeclarationRecord) -> None:
        if record.incident_id is None or not (record.delivered and record.delivered.posted):
            return
        permalink = record.announce_permalink or ""
        try:
            self.client.link_slack_thread(
                record.incident_id, slack_integration_request(record, permalink)
            )
        except DatadogError as exc:
            log.warning("linking incident %s to Slack failed: %s", record.public_id, exc)
            raise StepFailed(exc.user_message, retryable=False) from exc
        except ValueError as exc:  # an unreadable answer: the link may or may not exist
            log.warning("linking incident %s to Slack: odd answer: %s", record.public_id, exc)
            raise StepFailed("Datadog's answer could not be read.", retryable=False) from exc
