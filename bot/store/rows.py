"""Reading stored rows: one that can't be read is skipped, logged once and counted.

A row written by a newer version, cut short, or edited by hand must not stop the sync of
every card or the resume of every pending job. Lists skip it; the log names its key once
per process (not on every tick); the observer (bot/metrics.py) counts it. Logs carry the
error's location and type only, never the row's content.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.domain.reliability.observer import RecordKind

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class UnreadableRows:
    """The rows a store skipped, by kind and key; `observer` hears each one once."""

    def __init__(self) -> None:
        self._seen: set[tuple[RecordKind, str]] = set()
        self._lock = threading.Lock()
        self._observers: list[Callable[[RecordKind], None]] = []

    def watch_unreadable(self, observer: Callable[[RecordKind], None]) -> None:
        """Call `observer(kind)` once for each unreadable row met from now on."""
        self._observers.append(observer)

    def parse(self, kind: RecordKind, key: str, data: str | bytes, model: type[M]) -> M | None:
        """`data` as `model`, or None (told once) when it is not one."""
        try:
            return model.model_validate_json(data)
        except ValidationError as exc:
            self._skipped(kind, key, exc)
            return None

    def parse_all(
        self, kind: RecordKind, rows: Iterable[tuple[str, str | bytes]], model: type[M]
    ) -> list[M]:
        """Every readable row of (key, data), in order."""
        return [m for key, data in rows if (m := self.parse(kind, key, data, model)) is not None]

    def _skipped(self, kind: RecordKind, key: str, exc: ValidationError) -> None:
        with self._lock:
            if (kind, key) in self._seen:
                return
            self._seen.add((kind, key))
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the row"
        log.error(
            "store: skipping the unreadable %s %s (%d errors; first at %s: %s); "
            "fix or delete that row",
            kind.value,
            key,
            exc.error_count(),
            where,
            first["type"],
        )
        for observer in self._observers:
            observer(kind)
