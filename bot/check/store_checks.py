"""The store: can the bot keep its declarations where the settings say?

`open_configured_store` is also what `declare-bot run` opens, so a bad STORE_PATH or an
unreachable Redis stops it with one clear line (`StoreUnusable`) instead of a traceback.
`check_store` proves the same without leaving anything behind, and warns when a Redis
would lose pending declarations on restart.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.check.checklist import Item
from bot.config import Settings
from bot.store import Store, open_store
from bot.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from bot.store.redis_store import RedisStore


class StoreUnusable(Exception):
    """The configured store cannot be opened; the message names the setting and why."""


def _why(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"{text} ({type(exc).__name__})"


def open_configured_store(settings: Settings) -> Store:
    """Open the store the settings ask for and prove it answers; raise StoreUnusable."""
    if settings.redis_url is not None:
        return _open_redis(settings.redis_url.get_secret_value())
    try:
        return open_store(settings.store_path)
    except (OSError, sqlite3.Error) as exc:
        raise StoreUnusable(
            f"STORE_PATH {settings.store_path} cannot be opened as the SQLite store: {_why(exc)}; "
            "point STORE_PATH at a file in a writable directory"
        ) from exc


def _open_redis(url: str) -> RedisStore:
    try:
        import redis

        from bot.store.redis_store import RedisStore
    except ImportError as exc:
        raise StoreUnusable(
            "REDIS_URL is set but the redis package is missing: pip install 'declare-bot[redis]'"
        ) from exc
    try:
        store = RedisStore.from_url(url)
        store.redis.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise StoreUnusable(f"cannot reach Redis at REDIS_URL: {_why(exc)}") from exc
    return store


def check_store(settings: Settings) -> Item:
    if settings.redis_url is not None:
        return _check_redis(settings)
    return _check_sqlite(settings.store_path)


def _check_sqlite(store_path: str) -> Item:
    """Open (creating if need be) and take a write lock; remove whatever this created."""
    path = Path(store_path)
    existed = path.exists()
    missing_dirs = [p for p in reversed(path.parents) if not p.exists()]
    settings_fix = "point STORE_PATH at a file in a writable directory (or set REDIS_URL)"
    try:
        store = SqliteStore(store_path)
        try:
            probe = sqlite3.connect(store_path, timeout=5.0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")  # a write lock: fails on a read-only file
                probe.execute("ROLLBACK")
            finally:
                probe.close()
        finally:
            store.close()
    except (OSError, sqlite3.Error) as exc:
        title = f"Store: SQLite at {store_path} cannot be used (STORE_PATH)"
        return Item("fail", title, [_why(exc)], settings_fix)
    finally:
        if not existed:
            _remove_created(path, missing_dirs)
    if existed:
        return Item("ok", f"Store: SQLite at {store_path} can be written")
    detail = "`declare-bot run` creates it; check removed what it made to prove so"
    return Item("ok", f"Store: SQLite at {store_path} can be created and written", [detail])


def _remove_created(path: Path, missing_dirs: list[Path]) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(f"{path}{suffix}")
        except OSError:
            pass
    holders = Path(f"{path}.holders")  # the store's lock files (see bot/store/sqlite.py)
    for lock in holders.glob("*.lock"):
        lock.unlink(missing_ok=True)
    try:
        holders.rmdir()
    except OSError:
        pass
    for directory in reversed(missing_dirs):
        try:
            directory.rmdir()
        except OSError:
            pass


def _check_redis(settings: Settings) -> Item:
    """PING, then whether a restart would keep pending declarations (AOF or RDB)."""
    assert settings.redis_url is not None
    try:
        store = _open_redis(settings.redis_url.get_secret_value())
    except StoreUnusable as exc:
        fix = "check REDIS_URL (host, port, password, TLS as rediss://) and that Redis runs"
        return Item("fail", "Store: cannot reach Redis (REDIS_URL)", [str(exc)], fix)
    try:
        aof, rdb, unknown = _persistence(store.redis)
    finally:
        store.close()
    if aof or rdb:
        kind = " and ".join(name for name, on in (("AOF", aof), ("RDB", rdb)) if on)
        return Item("ok", f"Store: Redis answers PING and persists ({kind})")
    details = [
        "INFO persistence shows neither AOF nor RDB snapshots: a Redis restart loses "
        "pending declarations (an incident may be created but never announced)",
    ]
    if unknown:
        details.append(f"the RDB schedule could not be read: {unknown}")
    fix = (
        "turn on persistence (appendonly yes, or a save schedule), or use a managed Redis "
        "that persists; ignore this if your provider persists in its own way"
    )
    return Item("warn", "Store: Redis answers, but keeps nothing across a restart", details, fix)


def _persistence(client: Any) -> tuple[bool, bool, str]:
    """(AOF on, RDB snapshots scheduled, why the schedule is unknown); CONFIG may be denied."""
    info = client.info("persistence")
    aof = str(info.get("aof_enabled", "0")) == "1"
    try:
        save = str(client.config_get("save").get("save", ""))
    except Exception as exc:  # noqa: BLE001 - CONFIG renamed or denied on managed Redis
        return aof, False, _why(exc)
    return aof, bool(save.strip()), ""
