"""Declaration stores: SQLite (embedded default) and Redis (shared by replicas)."""

from __future__ import annotations

from bot.domain.declare.ports import DeclarationStore


def open_store(store_path: str, redis_url: str | None = None) -> DeclarationStore:
    """The store the settings ask for: Redis when a URL is set, else SQLite."""
    if redis_url:
        from bot.store.redis_store import RedisStore

        return RedisStore.from_url(redis_url)
    from bot.store.sqlite import SqliteStore

    return SqliteStore(store_path)
