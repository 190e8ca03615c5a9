"""The record on SQLite and on Redis, end to end: a message added twice is one journal entry
and one link; a to-do's list is kept (as a finished `todo.list` chore) and followed from
Datadog; a restarted bot finds the same list message and edits it, not a second one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.incident.journal import EntryKind
from bot.domain.lifecycle.chores import Chore, ChoreStep
from bot.domain.record.todo_list import LIST_KIND, list_key
from bot.emulators.personas import BOB
from bot.emulators.stack import LocalStack
from bot.store import Store
from bot.store.redis_incidents import UPDATE_RETENTION
from bot.store.redis_store import RedisStore
from bot.store.sqlite import SqliteStore
from tests.card_actions import wait_for
from tests.channel.test_incident_channel import made
from tests.record.helpers import checkboxes, shortcut, the_card, todo_list_message
from tests.redis_server import clear

ENV = {"DECLARE_INCIDENT_CHANNEL": "always", "DECLARE_SYNC_INTERVAL": "0.3"}


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        yield SqliteStore(str(tmp_path / "record.sqlite3"))
        return
    url = request.getfixturevalue("redis_url")
    clear(url)
    yield RedisStore.from_url(url)
    clear(url)


def test_the_record_is_kept_once_and_its_list_survives_a_restart(store: Store) -> None:
    stack = LocalStack(env=ENV, store=store).start()
    try:
        stack.declare("Search latency", commander=BOB)
        stack.wait_done()
        [channel] = made(stack)
        card = the_card(stack)
        ts = stack.slack.post_as_user(channel["id"], BOB, "index rebuild started")
        for user in ("U0ALICE", BOB):
            assert shortcut(stack, channel["id"], ts, user=user).status_code == 200
        wait_for(lambda: stack.datadog.attachments.get(card.incident_id), what="the link")
        wait_for(lambda: len(stack.slack.responses) >= 2, what="both answers")
        entries = [e for e in store.entries(card.incident_id) if e.kind is EntryKind.CAPTURED]
        assert [e.key for e in entries] == [f"captured:{channel['id']}:{ts}"]
        assert len(stack.datadog.attachments[card.incident_id]) == 1
        stack.slash("todo Reindex the replica", channel=channel["id"])
        listed = todo_list_message(stack, card)
        assert_kept_like_the_card(store, card.key)
    finally:
        stack.stop()
    # The same store, a new bot: a to-do completed in Datadog edits the same list message.
    again = LocalStack(env=ENV, store=store)
    again.slack, again.datadog = stack.slack, stack.datadog
    again.slack.start()
    again.datadog.start()
    try:
        again.settings = again.make_settings()
        from bot.app import create_app
        from bot.services import build_services

        again.services = build_services(again.settings, store=store)
        again.app = create_app(again.services)
        again.services.start_sync()
        [todo_id] = list(again.datadog.todos[card.incident_id])
        again.datadog.complete_todo(card.incident_id, todo_id, "2026-12-07T03:00:00+00:00")
        wait_for(
            lambda: checkboxes(again.slack.message(card.channel, listed["ts"]))[0].get(
                "initial_options"
            ),
            what="the same list checked",
        )
        lists = [
            m
            for m in again.slack.messages(card.channel)
            if m.get("bot_id") and "To-dos for" in m.get("text", "")
        ]
        assert len(lists) == 1
    finally:
        again.services.shutdown()
        again.slack.stop()
        again.datadog.stop()


def assert_kept_like_the_card(store: Store, card_key: str) -> None:
    """Where the list is (a finished `todo.list` chore) lasts as long as the card, on both
    stores: on Redis it doesn't expire with the update jobs (30 days) while SQLite keeps it."""
    kept = store.get_chore(list_key(card_key))
    assert kept is not None and kept.kind == LIST_KIND and kept.finished
    assert kept.key not in {c.key for c in store.pending_chores()}
    if isinstance(store, RedisStore):
        chore_ttl = store.redis.ttl(f"{store.prefix}:chore:{kept.key}")
        card_ttl = store.redis.ttl(f"{store.prefix}:card:{card_key}")
        assert chore_ttl > UPDATE_RETENTION and chore_ttl >= card_ttl - 60, (chore_ttl, card_ttl)


def test_a_new_chore_is_listed_for_a_resume_with_it_on_both_stores(store: Store) -> None:
    """Redis stores a chore and lists it unfinished in one step (a Lua script), as SQLite
    does in one row: no chore is stored that a restart would never resume."""
    chore = Chore(
        key="ch-test-1", kind="capture", card_key="C1:1.0", incident_id="i1", actor_id="U1"
    )
    assert store.add_chore(chore)
    assert not store.add_chore(chore)  # a redelivery
    assert [c.key for c in store.pending_chores()] == [chore.key]
    done = chore.model_copy(update={"key": "ch-test-2", "step": ChoreStep.DONE})
    assert store.add_chore(done)
    assert [c.key for c in store.pending_chores()] == [chore.key]
    if isinstance(store, RedisStore):
        assert store.redis.ttl(f"{store.prefix}:chore:{chore.key}") > UPDATE_RETENTION
