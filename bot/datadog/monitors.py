"""Monitors: `GET /api/v1/monitor/{monitor_id}` (endpoints.py `get_monitor`), read leniently.

Real responses carry many keys the bot ignores (`options`, `creator`, `matching_downtimes`,
nulls); `MonitorResponse` keeps what the form and the timeline use and `to_domain` turns it
into the domain's `Monitor`. The HTTP call itself belongs to the client.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.datadog.endpoints import ENDPOINTS
from bot.domain.monitor.alert import MONITOR_NAME_MAX, PRIORITIES, Monitor

MESSAGE_MAX = 20_000
QUERY_MAX = 10_000
TAGS_MAX = 200
TAG_MAX = 200


def monitor_path(monitor_id: int) -> str:
    """The API path for one monitor; the id is an int, so nothing else gets into the path."""
    if isinstance(monitor_id, bool) or not isinstance(monitor_id, int) or monitor_id <= 0:
        raise ValueError(f"not a monitor id: {monitor_id!r}")
    return ENDPOINTS.get_monitor.path(monitor_id=monitor_id)


class MonitorResponse(BaseModel):
    """The v1 monitor body, lenient: unknown keys ignored, odd values dropped, not fatal."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    name: str | None = None
    message: str | None = None
    query: str | None = None
    type: str | None = None
    tags: list[str] = Field(default_factory=list)
    priority: int | None = None
    overall_state: str | None = None
    options: dict[str, Any] | None = None
    multi: bool | None = None

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: object) -> list[str]:
        """Keep string tags only; `null` is no tags."""
        if not isinstance(value, list):
            return []
        return [t for t in value if isinstance(t, str) and 0 < len(t) <= TAG_MAX][:TAGS_MAX]

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: object) -> int | None:
        """1..5 or None: anything else is treated as no priority rather than an error."""
        if isinstance(value, bool) or not isinstance(value, int) or value not in PRIORITIES:
            return None
        return value

    @field_validator("name", "message", "query", "type", "overall_state", mode="before")
    @classmethod
    def _text(cls, value: object) -> str | None:
        return value if isinstance(value, str) else None

    def to_domain(self) -> Monitor:
        return Monitor(
            id=self.id,
            name=(self.name or "")[:MONITOR_NAME_MAX],
            message=(self.message or "")[:MESSAGE_MAX],
            query=(self.query or "")[:QUERY_MAX],
            type=self.type or "",
            tags=tuple(self.tags),
            priority=self.priority,
            overall_state=self.overall_state,
        )


def parse_monitor(body: object) -> Monitor | None:
    """The domain monitor from a decoded 200 body, or None when it is not a monitor."""
    if not isinstance(body, dict):
        return None
    try:
        return MonitorResponse.model_validate(body).to_domain()
    except ValidationError:
        return None
