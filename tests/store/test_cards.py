"""Cards and update jobs, both stores: what the lifecycle runner relies on.

A card is stored once per message and found by it; a job is added once per key; the card
lease admits one worker at a time; a resolved card leaves the open set; records survive
reopening the store (another process).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import cast

from bot.domain.incident.state import RESOLVED, IncidentChanges, IncidentView
from bot.domain.lifecycle.ports import IncidentStore
from bot.domain.lifecycle.record import IncidentCard, UpdateJob, UpdateStep, card_key
from bot.store.sqlite import SqliteStore
from tests.store.test_contract import Opener, opener  # noqa: F401 - the fixture

VIEW = IncidentView(incident_id="i-1", public_id=7, title="DB down", severity="SEV-2")


def cards(open_store: Opener) -> IncidentStore:
    return cast(IncidentStore, open_store())


def test_a_card_is_stored_once_per_message_and_leaves_the_open_set_when_resolved(
    opener: Opener,  # noqa: F811
) -> None:
    store = cards(opener)
    key = card_key("C1", "1.000100")
    card = IncidentCard(
        key=key, incident_id="i-1", channel="C1", ts="1.000100", thread_ts="1.000100", shown=VIEW
    )
    assert store.add_card(card)
    assert not store.add_card(card.model_copy(update={"thread_ts": "other"}))
    again = cards(opener)
    assert again.get_card(key) == card
    assert [c.key for c in again.open_cards()] == [key]
    resolved = card.model_copy(update={"shown": VIEW.model_copy(update={"state": RESOLVED})})
    assert again.save_card(resolved)
    assert again.open_cards() == []
    assert store.get_card(key) == resolved.model_copy(update={"version": 1})
    assert store.get_card("C1:missing") is None


def test_a_card_is_saved_only_over_the_version_it_was_read_at(
    opener: Opener,  # noqa: F811
) -> None:
    """Compare-and-set: a writer holding an older read never overwrites a newer card."""
    store, other = cards(opener), cards(opener)
    card = IncidentCard(
        key="C1:3", incident_id="i-1", channel="C1", ts="3", thread_ts="3", shown=VIEW
    )
    assert store.add_card(card)
    slow, fast = store.get_card(card.key), other.get_card(card.key)
    assert slow is not None and fast is not None and slow.version == fast.version == 0
    renamed = fast.model_copy(update={"shown": VIEW.model_copy(update={"title": "From Slack"})})
    assert other.save_card(renamed)
    stale = slow.model_copy(update={"shown": VIEW.model_copy(update={"state": RESOLVED})})
    assert not store.save_card(stale), "the stored card is newer"
    kept = store.get_card(card.key)
    assert kept is not None and kept.version == 1 and kept.shown.title == "From Slack"
    assert [c.key for c in store.open_cards()] == [card.key], "the refused save left it open"
    assert store.save_card(stale.model_copy(update={"version": kept.version}))
    again = other.get_card(card.key)
    assert again is not None and again.version == 2 and not again.open
    assert not store.save_card(
        IncidentCard(
            key="C1:gone", incident_id="i", channel="C1", ts="9", thread_ts="9", shown=VIEW
        )
    ), "nothing stored under that key: nothing written"
    assert store.get_card("C1:gone") is None


def test_jobs_are_added_once_and_pending_until_finished(opener: Opener) -> None:  # noqa: F811
    store = cards(opener)
    job = UpdateJob(
        key="up-1",
        card_key="C1:1",
        incident_id="i-1",
        actor_id="U1",
        changes=IncidentChanges(severity="SEV-1"),
    )
    assert store.add_update(job)
    assert not store.add_update(job.advance(error="must not overwrite"))
    assert [j.key for j in cards(opener).pending_updates()] == ["up-1"]
    store.save_update(job.advance(step=UpdateStep.DONE))
    assert store.pending_updates() == []
    assert store.get_update("up-1").step is UpdateStep.DONE  # type: ignore[union-attr]


def test_the_card_lease_admits_one_worker(opener: Opener) -> None:  # noqa: F811
    store, other = cards(opener), cards(opener)
    card = IncidentCard(
        key="C1:2", incident_id="i-1", channel="C1", ts="2", thread_ts="2", shown=VIEW
    )
    store.add_card(card)
    assert store.claim_card(card.key, "a", 5.0)
    assert not other.claim_card(card.key, "b", 5.0)
    assert store.claim_card(card.key, "a", 5.0), "the holder renews"
    store.release_card(card.key, "a")
    assert other.claim_card(card.key, "b", 5.0)


def stored(
    store: IncidentStore, incident_id: str, ts: str, *, state: str = "active"
) -> IncidentCard:
    """A card for `incident_id` in C1 at `ts`, saved once more when it is not active."""
    card = IncidentCard(
        key=card_key("C1", ts),
        incident_id=incident_id,
        channel="C1",
        ts=ts,
        thread_ts=ts,
        shown=VIEW.model_copy(update={"incident_id": incident_id}),
    )
    assert store.add_card(card)
    if state == "active":
        return card
    assert store.save_card(
        card.model_copy(update={"shown": card.shown.model_copy(update={"state": state})})
    )
    found = store.get_card(card.key)
    assert found is not None
    return found


def test_closed_cards_are_found_by_incident_id_through_the_card_that_is_current(
    opener: Opener,  # noqa: F811
) -> None:
    """Issue 20 §2: the sync takes back the resolved card of an incident reopened in Datadog.
    A card posted anew elsewhere (`moved_to`) is found as the new card, never the old one."""
    store, other = cards(opener), cards(opener)
    stored(store, "i-open", "1")
    resolved = stored(store, "i-resolved", "2", state=RESOLVED)
    old = stored(store, "i-moved", "3")
    moved = stored(store, "i-moved", "4")
    assert store.save_card(old.model_copy(update={"moved_to": moved.key}))
    assert store.save_card(
        moved.model_copy(update={"shown": moved.shown.model_copy(update={"state": RESOLVED})})
    )
    asked = ["i-open", "i-resolved", "i-moved", "i-unknown"]
    assert sorted(c.key for c in other.closed_cards(asked)) == sorted([resolved.key, moved.key])
    assert [c.key for c in other.closed_cards({"i-resolved"})] == [resolved.key]
    assert other.closed_cards([]) == [] and other.closed_cards(["i-open"]) == []
    assert other.save_card(
        resolved.model_copy(update={"shown": VIEW.model_copy(update={"incident_id": "i-resolved"})})
    )
    assert store.closed_cards(asked) == [store.get_card(moved.key)], "reopened: open again"
    assert resolved.key in [c.key for c in store.open_cards()]


def test_closed_cards_skip_an_unreadable_row(opener: Opener) -> None:  # noqa: F811
    store = cards(opener)
    good = stored(store, "i-good", "5", state=RESOLVED)
    if isinstance(store, SqliteStore):
        with sqlite3.connect(store.path) as db:
            db.execute(
                "INSERT INTO incident_docs (kind, key, data, open, incident_id) "
                "VALUES ('card', 'C1:6', '{not json', 0, 'i-bad')"
            )
    else:
        client, prefix = store.redis, store.prefix  # type: ignore[attr-defined]
        client.set(f"{prefix}:card:C1:6", "{not json")
        client.hset(f"{prefix}:closed-cards", "i-bad", "C1:6")
    assert store.closed_cards(["i-bad", "i-good"]) == [good]


def test_a_file_from_before_closed_cards_finds_its_resolved_cards(tmp_path: Path) -> None:
    """Opening an older file adds the incident id column, filled from each card's JSON."""
    path = tmp_path / "old.sqlite3"
    first = SqliteStore(path)
    card = stored(first, "i-old", "7", state=RESOLVED)
    first.close()
    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX incident_docs_incident")
        db.execute("ALTER TABLE incident_docs DROP COLUMN incident_id")
        db.execute(
            "INSERT INTO incident_docs (kind, key, data, open) VALUES ('card', 'C1:8', '[', 0)"
        )
    again = SqliteStore(path)
    try:
        assert again.closed_cards(["i-old"]) == [card]
    finally:
        again.close()
