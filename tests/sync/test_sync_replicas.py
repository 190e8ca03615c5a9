"""Two `python -m bot` replicas on one Redis follow Datadog without double notes.

Both run the sync every 0.3 s; the sync lease in Redis lets one of them tick. A change in
Datadog gives one card update and one thread note; when a replica stops (SIGTERM releases
the lease) the other goes on, still once per change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.declare.card import card_of
from bot.emulators.personas import BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from tests.bot_process import BotProcess, bot_env
from tests.exactly_once import wait_for
from tests.redis_server import clear

INTERVAL = "0.3"


@pytest.fixture
def syncing_replicas(
    stack: LocalStack, redis_url: str, tmp_path: Path
) -> Iterator[list[BotProcess]]:
    clear(redis_url)
    started: list[BotProcess] = []
    try:
        for name in ("replica-a", "replica-b"):
            env = bot_env(
                stack,
                REDIS_URL=redis_url,
                STORE_PATH=str(tmp_path / f"{name}.sqlite3"),
                DECLARE_SYNC_INTERVAL=INTERVAL,
            )
            started.append(BotProcess(tmp_path, env, name=name).start())
        yield started
    finally:
        for process in started:
            process.stop()
        clear(redis_url)


def notes_under(stack: LocalStack, ts: str, reply_ts: str | None) -> list[dict[str, Any]]:
    return [
        m
        for m in stack.slack.messages(INCIDENTS)
        if m.get("thread_ts") == ts and m["ts"] not in (ts, reply_ts)
    ]


def test_two_replicas_note_each_change_in_datadog_once(
    stack: LocalStack, syncing_replicas: list[BotProcess], redis_url: str
) -> None:
    from bot.store.redis_store import RedisStore

    assert stack.declare("Shared sync", severity="SEV-2").status_code == 200
    stack.wait_done()
    (record,) = stack.services.store.all()
    entry = card_of(record)
    assert entry is not None
    edits_before = len(stack.slack.calls_of("chat.update"))  # the placeholder's (issue 15)
    shared = RedisStore.from_url(redis_url)
    try:
        assert shared.add_card(entry)  # as if a replica had announced it
        wait_for(
            lambda: (c := shared.get_card(entry.key)) is not None and c.shown.modified is not None,
            what="a replica's first read",
        )
        for number, severity in enumerate(("SEV-1", "SEV-3"), start=1):
            stack.datadog.edit_incident(
                entry.incident_id,
                by=stack.users[BOB],
                attributes={"fields": {"severity": {"type": "dropdown", "value": severity}}},
            )
            wait_for(
                lambda n=number: len(notes_under(stack, entry.ts, record.thread_reply_ts)) >= n,
                timeout=10,
                what=f"note {number}",
            )
            time.sleep(5 * float(INTERVAL))
            notes = notes_under(stack, entry.ts, record.thread_reply_ts)
            assert len(notes) == number, [n["text"] for n in notes]
            assert severity in notes[-1]["text"]
            if number == 1:
                syncing_replicas[0].stop()  # whichever held the lease, the other goes on
        updates = [
            c for c in stack.slack.calls_of("chat.update")[edits_before:] if c.get("ts") == entry.ts
        ]
        assert len(updates) == 2, "one card update per change"
    finally:
        shared.close()
