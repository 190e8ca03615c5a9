"""The latest state of one declaration, held by the worker that has its lease.

Steps hand each new version to `save`, which keeps it in memory before writing it, so a
failure that follows (even a failing write) starts from what really happened, never from
a copy taken before the step. Facts about the outside world are sticky: once a create may
have reached Datadog (`create_started_at`), an incident is known, or a message was posted
(the placeholder), no later version forgets it. The placeholder is saved from a second
thread while the create runs (placeholder.py), hence the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.domain.declare.ports import DeclarationStore
from bot.domain.declare.record import DeclarationRecord

_STICKY = (
    ("placeholder_ts", ("placeholder_channel", "placeholder_how")),
    ("page_started_at", ()),
    ("page_sent", ()),
)
"""A message once posted, a page once sent, is never forgotten: (field, fields with it)."""


def keep_facts(known: DeclarationRecord, new: DeclarationRecord) -> DeclarationRecord:
    """`new`, with what `known` already established about Datadog and Slack carried over."""
    started = [t for t in (known.create_started_at, new.create_started_at) if t is not None]
    changes: dict[str, object] = {}
    if started and new.create_started_at != min(started):
        changes["create_started_at"] = min(started)
    if known.attempts > new.attempts:
        changes["attempts"] = known.attempts
    if new.incident_id is None and known.incident_id is not None:
        changes["incident_id"] = known.incident_id
        changes["public_id"] = known.public_id
        changes["incident_url"] = known.incident_url
    for name, companions in _STICKY:
        if getattr(new, name) is None and getattr(known, name) is not None:
            for field in (name, *companions):
                changes[field] = getattr(known, field)
    if known.channel is not None and (
        new.channel is None or known.channel.id and not new.channel.id
    ):
        changes["channel"] = known.channel  # a channel once made is never forgotten
    return new.model_copy(update=changes) if changes else new


class Progress:
    """One declaration's current record; `save` and `update` are how steps change it."""

    def __init__(self, store: DeclarationStore, record: DeclarationRecord) -> None:
        self.store = store
        self.record = record
        self._lock = threading.RLock()

    def save(self, record: DeclarationRecord) -> DeclarationRecord:
        """Remember `record` (facts kept), stamp it with the store's clock, then write it."""
        with self._lock:
            self.record = keep_facts(self.record, record)  # kept even if the store is down
            self.record = self.record.model_copy(update={"updated_at": self.now()})
            self.store.save(self.record)
            return self.record

    def update(self, change: Callable[[DeclarationRecord], DeclarationRecord]) -> None:
        """Save `change` applied to the latest record (for work beside the main steps)."""
        with self._lock:
            self.save(change(self.record))

    def now(self) -> float:
        """The store's clock, shared by every replica (Redis TIME), not this machine's."""
        return self.store.now()
