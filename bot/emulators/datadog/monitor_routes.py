"""The Datadog emulator's monitors: `GET /api/v1/monitor/{monitor_id}` and seeding.

Answers copy the recorded v1 response key for key (datadog-api-client-python cassette
`test_get_a_monitors_details_returns_ok_response`), nulls included; a missing monitor is
the recorded `{"errors": ["Monitor not found"]}` 404. Every seeded monitor is checked with
the official `Monitor` model when it is added, so nothing the emulator serves could fail to
deserialize in the official client. A mixin: the emulator provides `lock`.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from typing import Any

from datadog_api_client.v1.model.monitor import Monitor as ClientMonitor

from bot.emulators.base import Request, Response
from bot.emulators.datadog.org_shapes import JSON, now_iso
from bot.emulators.datadog.params import error_response, param
from bot.emulators.datadog.validate import model_error

MONITOR_ORG_ID = 321813
"""v1 bodies carry the org's numeric id (the v2 APIs use a UUID)."""
FIRST_MONITOR_ID = 155844758
"""Ids start where the recording's monitor did, so they look like real ones."""
DEFAULT_QUERY = "avg(last_5m):avg:system.cpu.user{env:prod} by {host} > 90"
DEFAULT_OPTIONS: JSON = {
    "include_tags": True,
    "new_host_delay": 300,
    "notify_audit": False,
    "notify_no_data": False,
    "require_full_window": False,
    "thresholds": {"critical": 90.0, "warning": 80.0},
    "groupby_simple_monitor": False,
    "silenced": {},
}
"""Options as the recorded GET returns them (trimmed to keys every monitor type takes)."""
CREATOR: JSON = {
    "name": None,
    "handle": "app-key-owner@example.com",
    "email": "app-key-owner@example.com",
    "id": 1445416,
}


def monitor_resource(
    monitor_id: int,
    *,
    name: str,
    message: str,
    query: str,
    monitor_type: str,
    tags: Iterable[str],
    priority: int | None,
    overall_state: str,
    options: JSON | None,
    multi: bool,
) -> JSON:
    """A v1 monitor, key for key in the order of the recorded 200."""
    created = now_iso()
    return {
        "id": monitor_id,
        "org_id": MONITOR_ORG_ID,
        "type": monitor_type,
        "name": name,
        "message": message,
        "tags": list(tags),
        "query": query,
        "options": copy.deepcopy(DEFAULT_OPTIONS if options is None else options),
        "multi": multi,
        "created_at": 1728578340000,
        "created": created,
        "modified": created,
        "deleted": None,
        "restricted_roles": None,
        "priority": priority,
        "overall_state_modified": created,
        "overall_state": overall_state,
        "creator": dict(CREATOR),
    }


class MonitorRoutes:
    """Seeding (`add_monitor`, `set_monitor_state`, `delete_monitor`) and the GET route."""

    lock: threading.RLock

    def _init_monitors(self) -> None:
        self.monitors: dict[int, JSON] = {}
        """Monitor id -> the v1 body served for it."""
        self._next_monitor_id = FIRST_MONITOR_ID

    # --- seeding -----------------------------------------------------------------------
    def add_monitor(
        self,
        name: str,
        *,
        query: str = DEFAULT_QUERY,
        monitor_type: str = "query alert",
        message: str = "",
        tags: Iterable[str] = (),
        priority: int | None = None,
        overall_state: str = "Alert",
        options: JSON | None = None,
        multi: bool = True,
        monitor_id: int | None = None,
    ) -> int:
        """Add a monitor; ValueError if the official model would refuse it. Returns its id."""
        with self.lock:
            if monitor_id is None:
                monitor_id = self._next_monitor_id
                self._next_monitor_id += 1
            body = monitor_resource(
                monitor_id,
                name=name,
                message=message,
                query=query,
                monitor_type=monitor_type,
                tags=tags,
                priority=priority,
                overall_state=overall_state,
                options=options,
                multi=multi,
            )
            problem = model_error(body, ClientMonitor)
            if problem:
                raise ValueError(f"not a monitor Datadog would serve: {problem}")
            self.monitors[monitor_id] = body
        return monitor_id

    def set_monitor_state(self, monitor_id: int, overall_state: str) -> None:
        """The monitor recovers, or alerts again (`OK`, `Alert`, `Warn`, `No Data`, ...)."""
        with self.lock:
            body = self.monitors[monitor_id]
            changed = dict(body, overall_state=overall_state, overall_state_modified=now_iso())
            problem = model_error(changed, ClientMonitor)
            if problem:
                raise ValueError(problem)
            self.monitors[monitor_id] = changed

    def delete_monitor(self, monitor_id: int) -> None:
        """Gone: a read answers Datadog's 404 from now on."""
        with self.lock:
            self.monitors.pop(monitor_id, None)

    # --- route -------------------------------------------------------------------------
    def _get_monitor(self, request: Request, params: dict[str, str]) -> Response:
        """`with_downtimes=true` adds `matching_downtimes` (none are modelled), as recorded."""
        raw = params["monitor_id"]
        body = self.monitors.get(int(raw)) if raw.isdigit() and len(raw) <= 19 else None
        if body is None:
            return error_response(404, "Monitor not found")
        served: dict[str, Any] = copy.deepcopy(body)
        if (param(request, "with_downtimes") or "").lower() == "true":
            served["matching_downtimes"] = []
        return Response(200, served)
