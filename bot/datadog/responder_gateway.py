"""The domain's ResponderDirectory over DatadogClient: roles, and an incident's responders.

Failures become `StepFailed` with Datadog's reason (gateway.step_failed): an add that may
have reached Datadog is `ambiguous` (the chore lists the responders before adding again);
a removal Datadog answers 404 is already done. The org's roles are kept briefly: they
fill the Add responder modal, which must open within Slack's 3 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.datadog.client import DatadogClient
from bot.datadog.errors import DatadogError, DatadogNotFound
from bot.datadog.gateway import budget_failed, step_failed
from bot.domain.incident.responders import Responder, ResponderRole

ROLES_TTL = 60.0
"""Seconds the org's roles are reused for the modal (the submit reads them fresh)."""


class DatadogResponders:
    def __init__(
        self,
        client: DatadogClient,
        *,
        ttl: float = ROLES_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._roles: tuple[float, list[ResponderRole]] | None = None

    def roles(self, *, budget: float | None = None, fresh: bool = False) -> list[ResponderRole]:
        with self._lock:
            kept = self._roles
        if kept is not None and not fresh and self._clock() - kept[0] < self._ttl:
            return list(kept[1])
        try:
            roles = self.client.list_incident_roles(budget=budget)
        except DatadogError as exc:
            raise (step_failed(exc) if budget is None else budget_failed(exc)) from exc
        with self._lock:
            self._roles = (self._clock(), roles)
        return list(roles)

    def last_roles(self) -> list[ResponderRole] | None:
        """The org's roles as last read, however old; None before the first read."""
        with self._lock:
            kept = self._roles
        return None if kept is None else list(kept[1])

    def responders(self, incident_id: str) -> list[Responder]:
        try:
            found = self.client.list_responders(incident_id)
        except DatadogError as exc:
            raise step_failed(exc) from exc
        if not any(r.role_id for r in found):
            return found
        try:
            names = {role.id: role for role in self.roles()}
        except Exception:  # noqa: BLE001 - the roles name them; without, they show by id
            names = {}
        return [r.with_role_names(names) for r in found]

    def add(self, incident_id: str, user_id: str, role_id: str | None) -> Responder:
        try:
            return self.client.add_responder(incident_id, user_id, role_id)
        except DatadogError as exc:
            raise step_failed(exc) from exc

    def remove(self, incident_id: str, responder_id: str) -> bool:
        try:
            self.client.remove_responder(incident_id, responder_id)
        except DatadogNotFound:
            return False
        except DatadogError as exc:
            raise step_failed(exc) from exc
        return True
