"""Fault injection and rate limiting for the Datadog emulator.

Routes are "METHOD /path". The path is literal, but `{name}` segments match any one
segment and the method may be `*`, so a fault can target an id not known in advance.
Not thread-safe on its own: the emulator calls it under its lock.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from http import HTTPStatus


@dataclass
class Fault:
    status: int | None = None
    body: object | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    lose_response: bool = False
    remaining: int = 1


@dataclass
class _Window:
    limit: int
    period: int
    hits: deque[float] = field(default_factory=deque)


@lru_cache(maxsize=256)
def _route_pattern(route: str) -> re.Pattern[str]:
    method, _, path = route.strip().partition(" ")
    method_re = r"[A-Z]+" if method == "*" else re.escape(method.upper())
    parts = [r"[^/]+" if re.fullmatch(r"\{[^/]+\}", p) else re.escape(p) for p in path.split("/")]
    return re.compile(f"{method_re} {'/'.join(parts)}")


def route_matches(route: str, method: str, path: str) -> bool:
    return _route_pattern(route).fullmatch(f"{method.upper()} {path}") is not None


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def rate_limit_name(route: str) -> str:
    """A stable `X-RateLimit-Name` for a route, e.g. `post_api_v2_incidents`."""
    return re.sub(r"[^a-z0-9]+", "_", route.lower()).strip("_")


class FaultPlan:
    """Queued faults, lasting slowdowns and sliding-window rate limits, keyed by route."""

    def __init__(self) -> None:
        self._faults: list[tuple[str, Fault]] = []
        self._windows: dict[str, _Window] = {}
        self._slow: dict[str, float] = {}

    def slow(self, route: str, seconds: float) -> None:
        """Hold every answer on `route` this many more seconds until cleared (0 clears)."""
        if seconds > 0:
            self._slow[route] = seconds
        else:
            self._slow.pop(route, None)

    def slowness(self, method: str, path: str) -> float:
        """Seconds of lasting slowdown for this request (the first matching route's)."""
        return next((s for r, s in self._slow.items() if route_matches(r, method, path)), 0.0)

    def add(self, route: str, fault: Fault) -> None:
        if fault.remaining > 0:
            self._faults.append((route, fault))

    def take(self, method: str, path: str) -> Fault | None:
        """The oldest pending fault for this request, consumed once."""
        for index, (route, fault) in enumerate(self._faults):
            if route_matches(route, method, path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[index]
                return fault
        return None

    def set_limit(self, route: str, limit: int, period: int) -> None:
        self._windows[route] = _Window(limit=limit, period=period)

    def check_limit(
        self, method: str, path: str, now: float | None = None
    ) -> tuple[bool, dict[str, str]]:
        """(allowed, X-RateLimit-* headers); an allowed request counts against the window."""
        for route, window in self._windows.items():
            if route_matches(route, method, path):
                return self._count(route, window, time.monotonic() if now is None else now)
        return True, {}

    @staticmethod
    def _count(route: str, window: _Window, now: float) -> tuple[bool, dict[str, str]]:
        while window.hits and window.hits[0] <= now - window.period:
            window.hits.popleft()
        allowed = len(window.hits) < window.limit
        if allowed:
            window.hits.append(now)
        reset = window.hits[0] + window.period - now if window.hits else window.period
        headers = {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Period": str(window.period),
            "X-RateLimit-Remaining": str(max(window.limit - len(window.hits), 0)),
            "X-RateLimit-Reset": str(max(math.ceil(reset), 1)),
            "X-RateLimit-Name": rate_limit_name(route),
        }
        return allowed, headers

    def clear(self) -> None:
        self._faults.clear()
        self._windows.clear()
        self._slow.clear()
