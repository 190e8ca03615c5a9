"""One contract, both stores: SQLite (a file in tmp_path) and Redis (a real redis-server).

What the runner relies on: `add` is atomic and refuses a second record with the same key,
`claim` lets exactly one worker hold a declaration until it releases or the lease expires,
and records survive reopening the store.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.domain.declare.ports import DeclarationStore
from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.incident.declaration import Declaration, Origin
from bot.store.sqlite import SqliteStore

Opener = Callable[[], DeclarationStore]


def record(key: str | None = None, *, source_key: str | None = None) -> DeclarationRecord:
    key = key or f"dk-{uuid.uuid4().hex[:16]}"
    origin = Origin(team_id="T1", channel_id="C1", user_id="U1", trigger_id="t1")
    declaration = Declaration(
        key=key,
        title="Checkout API 5xx ✓ “quoted” \u202e",
        severity="SEV-2",
        commander_id="U1",
        customer_impacted=False,
        origin=origin,
    )
    return DeclarationRecord(key=key, declaration=declaration, source_key=source_key)


@pytest.fixture(params=["sqlite", "redis"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens a new connection to one shared store per test (each like another process)."""
    opened: list[DeclarationStore] = []
    if request.param == "sqlite":
        path = tmp_path / "store" / "declarations.sqlite3"

        def open_store() -> DeclarationStore:
            store = SqliteStore(path)
            opened.append(store)
            return store

    else:
        url = request.getfixturevalue("redis_url")
        from bot.store.redis_store import RedisStore

        prefix = f"test-{uuid.uuid4().hex[:8]}"

        def open_store() -> DeclarationStore:
            store = RedisStore.from_url(url, prefix=prefix)
            opened.append(store)
            return store

    yield open_store
    for store in opened:
        store.close()  # type: ignore[attr-defined]


def test_add_is_refused_for_a_key_already_stored(opener: Opener) -> None:
    store = opener()
    first = record()
    assert store.add(first)
    again = first.advance(step=Step.DONE, error="must not overwrite")
    assert not store.add(again)
    stored = store.get(first.key)
    assert stored == first
    assert store.get("dk-missing") is None


def test_save_records_each_step_and_pending_follows(opener: Opener) -> None:
    store = opener()
    first, second = record(), record()
    assert store.add(first) and store.add(second)
    assert {r.key for r in store.pending()} == {first.key, second.key}
    steps = (Step.COMMANDER_RESOLVED, Step.INCIDENT_CREATED, Step.ANNOUNCED)
    current = first
    for step in steps:
        current = current.advance(step=step, incident_id="i-1", public_id=7)
        store.save(current)
        assert store.get(first.key) == current
        assert first.key in {r.key for r in store.pending()}
    store.save(current.advance(step=Step.DONE))
    store.save(second.advance(step=Step.FAILED, failed_at=Step.ACCEPTED, error="no"))
    assert store.pending() == []
    failed = store.get(second.key)
    assert failed is not None and failed.step is Step.FAILED and failed.failed_at is Step.ACCEPTED
    store.save(failed.advance(step=Step.ACCEPTED, failed_at=None, error=None))
    assert [r.key for r in store.pending()] == [second.key]


def test_records_survive_reopening(opener: Opener) -> None:
    first = record()
    writer = opener()
    writer.add(first)
    writer.save(first.advance(step=Step.INCIDENT_CREATED, incident_id="i-9", public_id=9))
    reader = opener()
    reopened = reader.get(first.key)
    assert reopened is not None
    assert reopened.step is Step.INCIDENT_CREATED and reopened.public_id == 9
    assert reopened.declaration == first.declaration
    assert [r.key for r in reader.pending()] == [first.key]


def test_claim_is_exclusive_renewable_and_released_by_its_owner_only(opener: Opener) -> None:
    store, other = opener(), opener()
    first = record()
    store.add(first)
    assert store.claim(first.key, "worker-a", 30)
    assert not other.claim(first.key, "worker-b", 30)
    assert store.claim(first.key, "worker-a", 30), "the holder renews its own lease"
    other.release(first.key, "worker-b")
    assert not other.claim(first.key, "worker-b", 30), "only the holder releases"
    store.release(first.key, "worker-a")
    assert other.claim(first.key, "worker-b", 30)


def test_an_expired_lease_can_be_taken_over(opener: Opener) -> None:
    store, other = opener(), opener()
    first = record()
    store.add(first)
    assert store.claim(first.key, "crashed-worker", 0.3)
    assert not other.claim(first.key, "worker-b", 30)
    time.sleep(0.45)
    assert other.claim(first.key, "worker-b", 30)
    assert not store.claim(first.key, "crashed-worker", 30), "the late worker stays out"


def race(count: int, action: Callable[[int], bool]) -> list[bool]:
    """Run `action(i)` in `count` threads released at once; their answers in order."""
    barrier = threading.Barrier(count)
    results: list[bool] = [False] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = action(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_adds_and_claims_have_one_winner(opener: Opener) -> None:
    stores = [opener() for _ in range(8)]
    for round_number in range(5):
        contested = record()

        def add(i: int, contested: DeclarationRecord = contested) -> bool:
            return stores[i].add(contested.advance(attempts=i))

        def claim(i: int, contested: DeclarationRecord = contested) -> bool:
            return stores[i].claim(contested.key, f"worker-{i}", 30)

        added = race(8, add)
        assert added.count(True) == 1, f"round {round_number}: {added}"
        claimed = race(8, claim)
        assert claimed.count(True) == 1, f"round {round_number}: {claimed}"


def test_find_by_source_gives_the_latest_unfailed(opener: Opener) -> None:
    store = opener()
    assert store.find_by_source("T1:C1:1700000000.000100") is None
    older = record(source_key="T1:C1:1700000000.000100")
    store.add(older)
    store.save(older.advance(step=Step.FAILED, failed_at=Step.ACCEPTED, error="x"))
    assert store.find_by_source("T1:C1:1700000000.000100") is None
    newer = record(source_key="T1:C1:1700000000.000100")
    store.add(newer)
    found = store.find_by_source("T1:C1:1700000000.000100")
    assert found is not None and found.key == newer.key


def test_all_is_oldest_first(opener: Opener) -> None:
    store = opener()
    keys = []
    for _ in range(4):
        item = record()
        keys.append(item.key)
        store.add(item)
        time.sleep(0.002)
    assert [r.key for r in store.all()] == keys


# --- SQLite only: a restarted bot takes over the leases of its dead predecessor --------

HOLD_LEASE = """
import sys, time
from bot.store.sqlite import SqliteStore
store = SqliteStore(sys.argv[1])
assert store.claim(sys.argv[2], "dead-worker", 300)
print("claimed", flush=True)
time.sleep(120)
"""


def test_sqlite_lease_of_a_killed_process_is_taken_over_at_once(tmp_path: Path) -> None:
    path = tmp_path / "declarations.sqlite3"
    store = SqliteStore(path)
    held = record()
    store.add(held)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LEASE, str(path), held.key],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "claimed"
        assert not store.claim(held.key, "restarted-worker", 30), "a live holder keeps it"
        holder.kill()
        holder.wait(timeout=10)
        assert store.claim(held.key, "restarted-worker", 30), "a dead holder's lease is free"
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        store.close()


def test_sqlite_file_from_before_the_lease_columns_is_upgraded(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE declarations (key TEXT PRIMARY KEY, source_key TEXT, step TEXT NOT NULL, "
        "data TEXT NOT NULL, lease_owner TEXT, lease_until REAL NOT NULL DEFAULT 0);"
    )
    item = record()
    old.execute(
        "INSERT INTO declarations (key, step, data) VALUES (?, ?, ?)",
        (item.key, item.step.value, item.model_dump_json()),
    )
    old.commit()
    old.close()
    store = SqliteStore(path)
    assert store.get(item.key) == item
    assert store.claim(item.key, "worker", 30)
    store.close()


def test_a_failed_declaration_keeps_the_link_to_an_earlier_successful_one(opener: Opener) -> None:
    """Shortcut on a message → declared; again → failed; the third use must still find the
    first ("Already declared"), on every backend and from another connection."""
    store = opener()
    source = "T1:C1:1700000000.000200"
    declared = record(source_key=source)
    store.add(declared)
    store.save(declared.advance(step=Step.DONE, incident_id="i-1", public_id=1))
    failed = record(source_key=source)
    store.add(failed)
    store.save(failed.advance(step=Step.FAILED, failed_at=Step.COMMANDER_RESOLVED, error="x"))
    for reader in (store, opener()):
        found = reader.find_by_source(source)
        assert found is not None and found.key == declared.key
    store.save(failed.advance(step=Step.ACCEPTED))  # retried: the latest again
    found = store.find_by_source(source)
    assert found is not None and found.key == failed.key
