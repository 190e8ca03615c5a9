"""Declaration stores: SQLite (embedded default) and Redis (shared by replicas)."""

from __future__ import annotations

from typing import Protocol

from bot.domain.cadence.ports import CadenceStore
from bot.domain.declare.ports import DeclarationStore
from bot.domain.incident.journal import Journal
from bot.domain.lifecycle.chores import ChoreStore
from bot.domain.lifecycle.ports import IncidentStore


class Store(DeclarationStore, IncidentStore, ChoreStore, Journal, CadenceStore, Protocol):
    """What SQLite and Redis both keep: declarations, the cards, updates and chores after
    them, each incident's journal, and its cadence."""


def open_store(store_path: str, redis_url: str | None = None) -> Store:
    """The store the settings ask for: Redis when a URL is set, else SQLite."""
    if redis_url:
        from bot.store.redis_store import RedisStore

        return RedisStore.from_url(redis_url)
    from bot.store.sqlite import SqliteStore

    return SqliteStore(store_path)
