"""One unreadable row never stops the others: both stores, and the bot over real HTTP.

Issue 20 §2.2: a single card, update or declaration row that can't be read (invalid JSON,
or JSON the models refuse) made `open_cards()`, `pending_updates()` and `pending()` raise,
so the sync of every card and the resume of every pending job stopped. Now the row is
skipped, logged once with its key (not on every tick) and counted in
`declare_bot_store_unreadable_rows_total{kind}`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.domain.declare.ports import DeclarationStore
from bot.domain.incident.state import IncidentChanges, IncidentView
from bot.domain.lifecycle.record import IncidentCard, UpdateJob, card_key
from bot.domain.reliability.observer import RecordKind
from bot.emulators.personas import ALICE
from bot.emulators.stack import LocalStack
from bot.store.sqlite import SqliteStore
from tests.exactly_once import wait_for
from tests.store.test_contract import Opener, record
from tests.store.test_contract import opener as opener  # the both-stores fixture
from tests.sync.test_sync import declared, edit_severity, stored_card, texts, thread_notes

BAD = {
    RecordKind.CARD: ("C1:9.000900", "{not json"),
    RecordKind.UPDATE: ("up-unreadable", '{"key": "up-unreadable", "card_key": 7}'),
    RecordKind.DECLARATION: ("dk-unreadable", "[]"),
    RecordKind.CHORE: ("ch-unreadable", '{"key": "ch-unreadable"}'),
    RecordKind.JOURNAL: ("captured:C1:1", "{truncated"),
}
"""A row of each kind that can't be read: invalid JSON, JSON the model refuses, another shape."""


def corrupt(store: Any) -> None:
    """Write the BAD rows where each store keeps them, as a hand edit or a newer version would."""
    if isinstance(store, SqliteStore):
        db = sqlite3.connect(store.path)
        for kind in (RecordKind.CARD, RecordKind.UPDATE, RecordKind.CHORE):
            key, data = BAD[kind]
            db.execute(
                "INSERT INTO incident_docs (kind, key, data, open) VALUES (?, ?, ?, 1)",
                (kind.value, key, data),
            )
        key, data = BAD[RecordKind.JOURNAL]
        db.execute(
            "INSERT INTO incident_docs (kind, key, data, open, incident_id) "
            "VALUES ('journal', ?, ?, 0, 'i-1')",
            (f"i-1|{key}", data),
        )
        key, data = BAD[RecordKind.DECLARATION]
        db.execute(
            "INSERT INTO declarations (key, step, data) VALUES (?, 'accepted', ?)", (key, data)
        )
        db.commit()
        db.close()
        return
    client, prefix = store.redis, store.prefix
    for kind, (name, index) in {
        RecordKind.CARD: ("card", "cards"),
        RecordKind.UPDATE: ("update", "updates"),
        RecordKind.DECLARATION: ("rec", "pending"),
        RecordKind.CHORE: ("chore", "chores"),
    }.items():
        key, data = BAD[kind]
        client.set(f"{prefix}:{name}:{key}", data)
        client.sadd(f"{prefix}:{index}", key)
    key, data = BAD[RecordKind.JOURNAL]
    client.hset(f"{prefix}:journal:i-1", key, data)


def skipped_logs(caplog: pytest.LogCaptureFixture, key: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if "unreadable" in r.getMessage() and key in r.getMessage()
    ]


VIEW = IncidentView(incident_id="i-1", public_id=7, title="DB down", severity="SEV-2")


def test_unreadable_rows_are_skipped_logged_once_and_counted(
    opener: Opener, caplog: pytest.LogCaptureFixture
) -> None:
    store: Any = opener()
    heard: list[RecordKind] = []
    store.rows.watch_unreadable(heard.append)
    card = IncidentCard(
        key=card_key("C1", "1.000100"),
        incident_id="i-1",
        channel="C1",
        ts="1.000100",
        thread_ts="1.000100",
        shown=VIEW,
    )
    job = UpdateJob(
        key="up-good",
        card_key=card.key,
        incident_id="i-1",
        actor_id="U1",
        changes=IncidentChanges(severity="SEV-1"),
    )
    good = record()
    assert store.add_card(card) and store.add_update(job) and store.add(good)
    corrupt(store)
    caplog.set_level(logging.INFO, logger="bot.store.rows")
    for _ in range(3):  # three ticks
        assert [c.key for c in store.open_cards()] == [card.key]
        assert [j.key for j in store.pending_updates()] == [job.key]
        assert [r.key for r in store.pending()] == [good.key]
        assert store.pending_chores() == [] and store.entries("i-1") == []
    assert sorted(heard) == sorted(RecordKind), "each row counted once"
    for kind, (key, data) in BAD.items():
        (line,) = skipped_logs(caplog, key)
        assert kind.value in line and data not in line, "the key, never the content"


@pytest.fixture(params=["sqlite", "redis"])
def broken_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalStack]:
    """The bot, syncing every 0.3 s, over a store holding one unreadable row of each kind."""
    store: DeclarationStore
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "declarations.sqlite3")
    else:
        from bot.store.redis_store import RedisStore

        url = request.getfixturevalue("redis_url")
        store = RedisStore.from_url(url, prefix=f"test-{uuid.uuid4().hex[:8]}")
    corrupt(store)
    env = {"DECLARE_SYNC_INTERVAL": "0.3", "METRICS_PORT": "0"}
    with LocalStack(env=env, store=store) as running:
        yield running


def metric(stack: LocalStack, kind: str) -> float:
    assert stack.metrics_server is not None, "METRICS_PORT is set, so metrics are served"
    url = f"http://127.0.0.1:{stack.metrics_server.port}/metrics"
    text = httpx.get(url, timeout=5.0).text
    name = f'declare_bot_store_unreadable_rows_total{{kind="{kind}"}}'
    (line,) = [line for line in text.splitlines() if line.startswith(name)]
    return float(line.split()[-1])


def test_the_bot_follows_and_resumes_the_others(
    broken_stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    stack = broken_stack
    caplog.set_level(logging.INFO, logger="bot.store.rows")
    record = declared(stack, "Beside a bad row", 1)
    wait_for(
        lambda: stored_card(stack, record).shown.modified is not None,
        what="the sync's first read",
    )
    edit_severity(stack, record, "SEV-1")
    wait_for(lambda: thread_notes(stack, record), what="the sync's note")
    assert "changed severity SEV-2 → SEV-1" in texts(thread_notes(stack, record)[0]["blocks"])
    job = UpdateJob(  # accepted, then the bot restarted: resumed as at startup
        key="up-resumed",
        card_key=stored_card(stack, record).key,
        incident_id=record.incident_id or "",
        actor_id=ALICE,
        changes=IncidentChanges(title="Resumed beside a bad row"),
    )
    assert stack.services.cards.add_update(job)
    assert stack.services.runner.resume_pending() == [], "the bad declaration is skipped"
    assert stack.services.updates.resume_pending() == [job.key]
    assert stack.services.chores.resume_pending() == [], "the bad chore is skipped"
    assert stack.services.journal.entries("i-1") == [], "the bad entry is skipped"
    wait_for(
        lambda: stored_card(stack, record).shown.title == "Resumed beside a bad row",
        what="the pending update to be resumed",
        timeout=15,
    )
    time.sleep(1.0)  # a few more ticks
    for kind in RecordKind:
        assert metric(stack, kind.value) == 1.0
    for key, _ in BAD.values():
        assert len(skipped_logs(caplog, key)) == 1, "logged once, not on every tick"
