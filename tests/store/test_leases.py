"""L6: a live lease is never stolen, even by a process that looks like its holder.

Two processes share one SQLite file and look alike as two containers would: the same
hostname, both pid 1 (os.getpid patched before the store is imported). The second must
not take the first one's lease; once the first is killed, a new process takes it at once.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.declare.record import DeclarationRecord
from bot.domain.incident.declaration import Declaration, Origin
from bot.store.sqlite import SqliteStore

AS_PID_1 = """
import os, sys, time
os.getpid = lambda: 1
from bot.store.sqlite import SqliteStore
store = SqliteStore(sys.argv[1])
print("claimed" if store.claim(sys.argv[2], sys.argv[3], 300) else "refused", flush=True)
time.sleep(60)
"""


def pending_record() -> DeclarationRecord:
    key = f"dk-{uuid.uuid4().hex[:16]}"
    origin = Origin(team_id="T1", channel_id="C1", user_id="U1", trigger_id="t1")
    declaration = Declaration(
        key=key,
        title="Lease",
        severity="SEV-2",
        commander_id="U1",
        customer_impacted=False,
        origin=origin,
    )
    return DeclarationRecord(key=key, declaration=declaration)


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def claim_as_pid_1(
    spawned: list[subprocess.Popen[str]], path: Path, key: str, owner: str
) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", AS_PID_1, str(path), key, owner],
        stdout=subprocess.PIPE,
        text=True,
    )
    spawned.append(process)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def test_two_pid_1_processes_on_one_host_do_not_share_a_lease(
    tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    path = tmp_path / "declarations.sqlite3"
    store = SqliteStore(path)
    held = pending_record()
    try:
        assert store.add(held)
        first, answer = claim_as_pid_1(spawned, path, held.key, "container-a")
        assert answer == "claimed"
        _, answer = claim_as_pid_1(spawned, path, held.key, "container-b")
        assert answer == "refused", "a live holder's lease was stolen"
        assert not store.claim(held.key, "this-process", 30)
        first.kill()
        first.wait(timeout=10)
        _, answer = claim_as_pid_1(spawned, path, held.key, "container-c")
        assert answer == "claimed", "a killed holder's lease frees at once"
    finally:
        store.close()
