"""The Datadog API client: one pooled httpx.Client, typed errors, one retry policy.

Retry rules live in `_send` only:
- 429 is never processed by Datadog, so every request waits `X-RateLimit-Reset` and
  retries, a bounded number of times;
- reads (idempotent) also retry on timeouts, dropped connections and 5xx, with backoff;
- a create is retried only when the request certainly never left (connect errors);
  anything else that may have reached Datadog raises `DatadogAmbiguousError` or
  `DatadogServerError`, and the caller reconciles before trying again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.datadog import sites
from bot.datadog.errors import (
    DatadogAmbiguousError,
    DatadogError,
    DatadogStatusError,
    DatadogTransportError,
    error_messages,
    status_error,
)
from bot.datadog.models import (
    DatadogUser,
    Incident,
    IncidentCreateRequest,
    IncidentData,
    IncidentListResponse,
    IncidentResponse,
    IncidentSearchResponse,
    IntegrationCreateRequest,
    UsersResponse,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
USERS_PAGE_SIZE = 100
USERS_MAX_PAGES = 20


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try; tests shrink the waits so fault tests run in seconds."""

    rate_limit_retries: int = 3
    max_rate_limit_wait: float = 30.0
    read_retries: int = 2
    backoff: float = 0.25
    max_backoff: float = 4.0
    sleep: Callable[[float], None] = time.sleep

    def backoff_for(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))


class DatadogClient:
    """Talks to one Datadog site with one API key and one application key."""

    def __init__(
        self,
        api_key: str,
        app_key: str,
        *,
        site: str = "datadoghq.com",
        base_url: str | None = None,
        http_client: httpx.Client | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.site = site
        self.base_url = (base_url or sites.api_base(site)).rstrip("/")
        self.retry = retry or RetryPolicy()
        self._http = http_client or httpx.Client(
            timeout=timeout, limits=httpx.Limits(max_connections=50, max_keepalive_connections=20)
        )
        self._headers = {
            "DD-API-KEY": api_key,
            "DD-APPLICATION-KEY": app_key,
            "Accept": "application/json",
        }

    def close(self) -> None:
        self._http.close()

    def incident_url(self, public_id: int) -> str:
        return sites.incident_url(self.site, public_id)

    # --- operations -----------------------------------------------------------------

    def create_incident(self, request: IncidentCreateRequest) -> Incident:
        """POST /api/v2/incidents. Never retried once the request may have been sent."""
        response = self._send(
            "POST",
            "/api/v2/incidents",
            json=request.to_wire(),
            idempotent=False,
            permission="incident_write",
        )
        return self._incident(IncidentResponse.model_validate(response.json()).data)

    def get_incident(self, incident_id: str) -> Incident:
        response = self._send("GET", f"/api/v2/incidents/{incident_id}", permission="incident_read")
        return self._incident(IncidentResponse.model_validate(response.json()).data)

    def search_incidents(
        self, query: str, *, sort: str = "-created", page_size: int = 25, offset: int = 0
    ) -> list[Incident]:
        """GET /api/v2/incidents/search, newest first by default (its index may lag creates)."""
        response = self._send(
            "GET",
            "/api/v2/incidents/search",
            params={"query": query, "sort": sort, "page[size]": page_size, "page[offset]": offset},
            permission="incident_read",
        )
        hits = IncidentSearchResponse.model_validate(response.json()).data.attributes.incidents
        return [self._incident(hit.data) for hit in hits or []]

    def list_incidents(self, *, offset: int = 0, page_size: int = 100) -> list[Incident]:
        """GET /api/v2/incidents: oldest first, and it shows an incident as soon as it exists."""
        response = self._send(
            "GET",
            "/api/v2/incidents",
            params={"page[size]": page_size, "page[offset]": offset},
            permission="incident_read",
        )
        data = IncidentListResponse.model_validate(response.json()).data
        return [self._incident(item) for item in data]

    def find_active_user_by_email(self, email: str) -> DatadogUser | None:
        """The active Datadog user with exactly this email (the API filter is a substring)."""
        wanted = email.strip().lower()
        for page in range(USERS_MAX_PAGES):
            response = self._send(
                "GET",
                "/api/v2/users",
                params={
                    "filter": wanted,
                    "filter[status]": "Active",
                    "page[size]": USERS_PAGE_SIZE,
                    "page[number]": page,
                },
                permission="user_access_read",
            )
            users = UsersResponse.model_validate(response.json()).data
            for user in users:
                attrs = user.attributes
                if (attrs.email or "").lower() != wanted or attrs.disabled:
                    continue
                if attrs.status not in (None, "Active"):
                    continue
                return DatadogUser(id=user.id, email=wanted, name=attrs.name)
            if len(users) < USERS_PAGE_SIZE:
                return None
        return None

    def link_slack_thread(self, incident_id: str, request: IntegrationCreateRequest) -> str:
        """Register the Slack channel/thread on the incident; returns the integration id."""
        response = self._send(
            "POST",
            f"/api/v2/incidents/{incident_id}/relationships/integrations",
            json=request.to_wire(),
            idempotent=False,
            permission="incident_write",
        )
        return str(response.json().get("data", {}).get("id", ""))

    def list_incident_types(self) -> list[dict[str, Any]]:
        response = self._send(
            "GET", "/api/v2/incidents/config/types", permission="incident_settings_read"
        )
        return list(response.json().get("data") or [])

    def list_user_defined_fields(self, incident_type_id: str | None = None) -> list[dict[str, Any]]:
        params = {"filter[incident-type]": incident_type_id} if incident_type_id else None
        response = self._send(
            "GET",
            "/api/v2/incidents/config/user-defined-fields",
            params=params,
            permission="incident_settings_read",
        )
        return list(response.json().get("data") or [])

    def list_all_user_defined_fields(
        self, *, page_size: int = 1000, max_pages: int = 10
    ) -> list[dict[str, Any]]:
        """Every type's user-defined fields, page by page (one page for almost every org)."""
        fields: list[dict[str, Any]] = []
        for page in range(max_pages):
            response = self._send(
                "GET",
                "/api/v2/incidents/config/user-defined-fields",
                params={"page[size]": page_size, "page[number]": page},
                permission="incident_settings_read",
            )
            data = list(response.json().get("data") or [])
            fields.extend(data)
            if len(data) < page_size:
                break
        return fields

    def validate_api_key(self) -> bool:
        """GET /api/v1/validate: is the API key valid for this site?"""
        self._send("GET", "/api/v1/validate", permission=None)
        return True

    # --- plumbing -------------------------------------------------------------------

    def _incident(self, data: IncidentData) -> Incident:
        attrs = data.attributes
        public_id = attrs.public_id or 0
        commander = (data.relationships or {}).get("commander_user") or {}
        commander_data = commander.get("data") if isinstance(commander, dict) else None
        return Incident(
            id=data.id,
            public_id=public_id,
            title=attrs.title or "",
            url=self.incident_url(public_id),
            severity=attrs.severity,
            state=attrs.state,
            is_test=bool(attrs.is_test),
            created=attrs.created,
            commander_id=commander_data.get("id") if isinstance(commander_data, dict) else None,
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        idempotent: bool = True,
        permission: str | None,
    ) -> httpx.Response:
        """Send with the retry rules in the module docstring; raise typed errors."""
        url = self.base_url + path
        rate_limited = retried = 0
        while True:
            try:
                response = self._http.request(
                    method, url, params=params, json=json, headers=self._headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Never sent: safe to retry even a create.
                if retried < self.retry.read_retries:
                    self.retry.sleep(self.retry.backoff_for(retried))
                    retried += 1
                    continue
                raise DatadogTransportError(f"cannot connect to {self.base_url}: {exc}") from exc
            except httpx.TransportError as exc:
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
                if idempotent and retried < self.retry.read_retries:
                    self.retry.sleep(self.retry.backoff_for(retried))
                    retried += 1
                    continue
                error_cls = DatadogTransportError if idempotent else DatadogAmbiguousError
                raise error_cls(f"{method} {path} {kind}: {type(exc).__name__}") from exc

            if response.status_code < 400:
                return response
            error = self._status_error(response, permission)
            if response.status_code == 429 and rate_limited < self.retry.rate_limit_retries:
                wait = min(getattr(error, "reset_after", 1.0), self.retry.max_rate_limit_wait)
                log.info("datadog rate limited on %s %s; waiting %.1fs", method, path, wait)
                self.retry.sleep(wait + random.uniform(0, 0.1))
                rate_limited += 1
                continue
            if response.status_code >= 500 and idempotent and retried < self.retry.read_retries:
                self.retry.sleep(self.retry.backoff_for(retried))
                retried += 1
                continue
            raise error

    @staticmethod
    def _status_error(response: httpx.Response, permission: str | None) -> DatadogStatusError:
        try:
            body: Any = response.json()
        except ValueError:
            body = {"errors": [response.text[:200] or response.reason_phrase]}
        if not error_messages(body):
            body = {"errors": [response.reason_phrase or f"HTTP {response.status_code}"]}
        reset = response.headers.get("X-RateLimit-Reset", "1")
        try:
            reset_after = max(0.0, float(reset))
        except ValueError:
            reset_after = 1.0
        return status_error(
            response.status_code,
            body,
            request_id=response.headers.get("x-request-id"),
            permission=permission,
            reset_after=reset_after,
        )


__all__ = ["DatadogClient", "DatadogError", "RetryPolicy"]
