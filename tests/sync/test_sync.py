"""Changes made in Datadog's UI reach the card and its thread, over real HTTP.

The bot runs with a short DECLARE_SYNC_INTERVAL; people change incidents "in Datadog" with
the emulator's `edit_incident` (as a given Datadog user), and the tests read what the
bot did through the Slack emulator and count its Datadog calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.datadog.incident_reader import DatadogIncidentReader
from bot.datadog.update_models import update_request
from bot.domain.declare.record import DeclarationRecord
from bot.domain.incident.state import IncidentChanges
from bot.domain.lifecycle.record import IncidentCard, UpdateJob, UpdateStep, card_key
from bot.domain.sync.follow import IncidentSync, SyncPolicy
from bot.emulators.card_driver import open_modal, with_changes
from bot.emulators.personas import ALICE, BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import UPDATE_ACTION
from bot.slack.lifecycle.publisher import SlackCardPublisher
from bot.slack.sync.notes import SlackExternalNotes
from bot.store.sqlite import SqliteStore
from tests.exactly_once import wait_for
from tests.oracles import assert_blocks_round_trip

INTERVAL = 0.3
SEARCH = "/api/v2/incidents/search"


@pytest.fixture
def synced() -> Iterator[LocalStack]:
    with LocalStack(env={"DECLARE_SYNC_INTERVAL": str(INTERVAL)}) as running:
        yield running


def declared(stack: LocalStack, title: str, count: int) -> DeclarationRecord:
    assert stack.declare(title, severity="SEV-2").status_code == 200
    stack.wait_done(count)
    record = next(r for r in stack.services.store.all() if r.declaration.title == title)
    assert stored_card(stack, record).open
    return record


def stored_card(stack: LocalStack, record: DeclarationRecord) -> IncidentCard:
    found = stack.services.cards.get_card(
        card_key(record.announce_channel or "", record.announce_ts or "")
    )
    assert found is not None
    return found


def make_sync(stack: LocalStack, store: Any = None, **policy: Any) -> IncidentSync:
    """Another sync over the stack's Datadog and Slack (a second replica, another policy)."""
    services = stack.services
    return IncidentSync(
        store or services.cards,
        store or services.store,
        DatadogIncidentReader(services.datadog),
        SlackCardPublisher(services.slack),
        SlackExternalNotes(services.slack),
        policy=SyncPolicy(**policy),
    )


def thread_notes(stack: LocalStack, record: DeclarationRecord) -> list[dict[str, Any]]:
    """The sync's notes under the card (the declaration's own reply is not one)."""
    return [
        m
        for m in stack.slack.messages(INCIDENTS)
        if m.get("thread_ts") == record.announce_ts
        and m["ts"] != record.thread_reply_ts
        and m["ts"] != record.announce_ts
    ]


def card_of(stack: LocalStack, record: DeclarationRecord) -> dict[str, Any]:
    return next(m for m in stack.slack.messages(INCIDENTS) if m["ts"] == record.announce_ts)


def texts(blocks: list[dict[str, Any]]) -> str:
    """Every text in the blocks, one per line (what a person reads)."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(out)


def synced_once(stack: LocalStack, record: DeclarationRecord) -> None:
    """Wait for the first tick to read the incident (its baseline snapshot)."""
    wait_for(
        lambda: stored_card(stack, record).shown.modified is not None,
        what="a first read from Datadog",
    )


def edit_severity(stack: LocalStack, record: DeclarationRecord, value: str) -> None:
    stack.datadog.edit_incident(
        record.incident_id or "",
        by=stack.users[BOB],
        attributes={"fields": {"severity": {"type": "dropdown", "value": value}}},
    )


def test_a_change_in_datadog_reaches_the_card_and_the_thread_naming_who(
    synced: LocalStack,
) -> None:
    record = declared(synced, "Checkout API 5xx", 1)
    synced_once(synced, record)
    changed_at = time.monotonic()
    edit_severity(synced, record, "SEV-1")
    wait_for(lambda: thread_notes(synced, record), timeout=5, what="a thread note")
    took = time.monotonic() - changed_at
    assert took < 2 * INTERVAL + 1.0, f"the note took {took:.2f}s"
    (note,) = thread_notes(synced, record)
    assert (
        "Bob Oncall (in Datadog) changed severity SEV-2 → SEV-1"
        in note["blocks"][0]["text"]["text"]
    )
    assert note["text"].startswith(f"IR-{record.public_id}: changed severity SEV-2 → SEV-1")
    card = card_of(synced, record)
    assert "*Severity*\nSEV-1" in texts(card["blocks"])
    assert f"<@{record.declaration.commander_id}>" in texts(card["blocks"]), "still a mention"
    for call in synced.slack.calls_of("chat.update") + synced.slack.calls_of("chat.postMessage"):
        assert_blocks_round_trip(call["blocks"])
    time.sleep(3 * INTERVAL)
    assert len(thread_notes(synced, record)) == 1, "one note per change"


def test_a_resolved_incident_leaves_the_sync_set_after_a_final_update(
    synced: LocalStack,
) -> None:
    record = declared(synced, "Resolved in the UI", 1)
    synced_once(synced, record)
    synced.datadog.edit_incident(
        record.incident_id or "",
        by=synced.users[BOB],
        attributes={"fields": {"state": {"type": "dropdown", "value": "resolved"}}},
    )
    wait_for(lambda: not stored_card(synced, record).open, what="the card to leave the open set")
    wait_for(lambda: thread_notes(synced, record), what="the note (posted after the save)")
    (note,) = thread_notes(synced, record)
    assert "Bob Oncall (in Datadog) resolved the incident" in str(note["blocks"])
    card = card_of(synced, record)
    assert "✅ Resolved" in texts(card["blocks"])
    assert "incident_card_reopen" in str(card["blocks"])
    gets = len(synced.datadog.calls(f"/api/v2/incidents/{record.incident_id}", "GET"))
    time.sleep(4 * INTERVAL)
    assert len(synced.datadog.calls(f"/api/v2/incidents/{record.incident_id}", "GET")) == gets
    assert len(thread_notes(synced, record)) == 1


def test_the_bots_own_change_is_not_echoed(synced: LocalStack) -> None:
    """An update from Slack holds the card's lease from its PATCH until it saved the new
    card, and its job is pending until done: the sync leaves that card alone meanwhile."""
    record = declared(synced, "Changed from Slack", 1)
    synced_once(synced, record)
    services, incident_id = synced.services, record.incident_id or ""
    card = stored_card(synced, record)
    reader = DatadogIncidentReader(services.datadog)
    # As the update runner does: lease, PATCH, card saved with what Datadog answered.
    assert services.cards.claim_card(card.key, "update-worker", 30)
    services.datadog.update_incident(
        incident_id, update_request(incident_id, IncidentChanges(severity="SEV-1"))
    )
    time.sleep(3 * INTERVAL)
    services.cards.save_card(card.model_copy(update={"shown": reader.incident(incident_id)}))
    services.cards.release_card(card.key, "update-worker")
    # A job accepted but not yet done (say a crash after its PATCH): skipped, not noted.
    job = UpdateJob(
        key="up-pending",
        card_key=card.key,
        incident_id=incident_id,
        actor_id=ALICE,
        changes=IncidentChanges(title="Renamed from Slack"),
        step=UpdateStep.PATCHED,
    )
    assert services.cards.add_update(job)
    services.datadog.update_incident(incident_id, update_request(incident_id, job.changes))
    time.sleep(3 * INTERVAL)
    assert thread_notes(synced, record) == []
    assert "Renamed from Slack" not in texts(card_of(synced, record)["blocks"])
    after = reader.incident(incident_id)
    services.cards.save_card(stored_card(synced, record).model_copy(update={"shown": after}))
    services.cards.save_update(job.advance(step=UpdateStep.DONE))
    edit_severity(synced, record, "SEV-3")
    wait_for(lambda: thread_notes(synced, record), what="a note for Bob's change")
    (note,) = thread_notes(synced, record)
    assert "changed severity SEV-1 → SEV-3" in texts(note["blocks"])
    assert "title" not in texts(note["blocks"]), "the bot's own rename is not in it"


def test_an_update_from_slack_is_noted_once_by_its_author(synced: LocalStack) -> None:
    """The whole path: Update on the card, submit, PATCH, card, note; the sync adds none."""
    record = declared(synced, "Updated from Slack", 1)
    synced_once(synced, record)
    view = open_modal(synced, UPDATE_ACTION, user=BOB)
    assert synced.submit(view, with_changes(view, severity="SEV-1"), user=BOB).status_code == 200
    wait_for(lambda: thread_notes(synced, record), what="the update's note")
    time.sleep(4 * INTERVAL)
    (note,) = thread_notes(synced, record)
    assert f"<@{BOB}> changed severity SEV-2 → SEV-1" in texts(note["blocks"])
    assert "*Severity*\nSEV-1" in texts(card_of(synced, record)["blocks"])


def test_calls_per_interval_are_one_search_plus_a_get_per_moved_incident(
    stack: LocalStack,
) -> None:
    """Sync off in the background (the default 60 s): ticks are driven here and counted."""
    records = [declared(stack, f"Bounded {n}", n + 1) for n in range(4)]
    sync = stack.services.sync

    def counted() -> tuple[int, int]:
        searches = len(stack.datadog.calls(SEARCH))
        gets = len(stack.datadog.calls(method="GET")) - searches
        report = sync.tick()
        assert report is not None
        after_searches = len(stack.datadog.calls(SEARCH))
        after_gets = len(stack.datadog.calls(method="GET")) - after_searches
        assert report.datadog_calls == after_searches - searches + after_gets - gets
        return after_searches - searches, after_gets - gets

    # first sight: one GET each for the baseline, and one of its responders (Datadog lists
    # the commander as one; the card learns whom its responders relationship names)
    assert counted() == (1, 8), "first sight: the incident and its responders, each"
    assert counted() == (1, 0), "nothing moved: the search alone"
    edit_severity(stack, records[1], "SEV-1")
    edit_severity(stack, records[3], "SEV-4")
    assert counted() == (1, 2)
    assert counted() == (1, 0)
    capped = make_sync(stack, interval=0, max_gets=1)
    stack.services.store.release_lease("incident-sync", sync.owner)
    for record in records:
        edit_severity(stack, record, "SEV-5")
    report = capped.tick()
    assert report is not None and (report.searches, report.gets) == (1, 1)
    for record in records:
        stack.datadog.edit_incident(
            record.incident_id or "",
            by=stack.users[BOB],
            attributes={"fields": {"state": {"type": "dropdown", "value": "resolved"}}},
        )
    while (report := capped.tick()) is not None and report.left:
        pass
    assert stack.services.cards.open_cards() == []
    before = len(stack.datadog.calls())
    report = capped.tick()
    assert report is not None and (report.searches, report.gets) == (1, 0)
    assert len(stack.datadog.calls()) == before + 1, "no open card: the search alone (reopens)"


def test_two_syncs_on_one_store_hold_one_lease(stack: LocalStack, tmp_path: Any) -> None:
    """Two replicas (two stores on one SQLite file): only the lease holder ticks."""
    path = tmp_path / "shared.sqlite3"
    stores = [SqliteStore(path), SqliteStore(path)]
    try:
        syncs = [make_sync(stack, store, interval=INTERVAL) for store in stores]
        assert syncs[0].tick() is not None
        assert syncs[1].tick() is None, "the other replica holds the sync lease"
        assert syncs[0].tick() is not None, "the holder keeps it from tick to tick"
        stores[0].release_lease("incident-sync", syncs[0].owner)
        assert syncs[1].tick() is not None, "released (shutdown): the other takes over"
        assert syncs[0].tick() is None
    finally:
        for store in stores:
            store.close()


def set_state(stack: LocalStack, record: DeclarationRecord, state: str) -> None:
    stack.datadog.edit_incident(
        record.incident_id or "",
        by=stack.users[BOB],
        attributes={"fields": {"state": {"type": "dropdown", "value": state}}},
    )


def test_a_reopen_in_datadog_takes_the_resolved_card_back(synced: LocalStack) -> None:
    """Issue 20 §2: a resolved card left the sync, so a reopen made in Datadog was never
    seen. The search lists the incident open again: the card is open, edited, and noted."""
    record = declared(synced, "Reopened in the UI", 1)
    synced_once(synced, record)
    set_state(synced, record, "resolved")
    wait_for(lambda: len(thread_notes(synced, record)) == 1, what="the resolve's note")
    assert "✅ Resolved" in texts(card_of(synced, record)["blocks"])
    set_state(synced, record, "active")
    wait_for(lambda: stored_card(synced, record).open, timeout=4 * INTERVAL + 2, what="reopen")
    wait_for(lambda: len(thread_notes(synced, record)) == 2, what="the reopen's note")
    note = texts(thread_notes(synced, record)[1]["blocks"])
    assert "Bob Oncall (in Datadog) reopened the incident (active)" in note
    card = texts(card_of(synced, record)["blocks"])
    assert "✅ Resolved" not in card and "*State*\nActive" in card, card
    assert "incident_card_resolve" in str(card_of(synced, record)["blocks"])
    time.sleep(4 * INTERVAL)
    assert len(thread_notes(synced, record)) == 2, "one note for the reopen"
    edit_severity(synced, record, "SEV-1")
    wait_for(lambda: len(thread_notes(synced, record)) == 3, what="followed again")
