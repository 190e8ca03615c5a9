"""The sync never puts an older card over a newer one, over real HTTP.

Issue 20 §2.1: the sync's claim on a card (30 s) was neither renewed nor checked, and its
save was unconditional: a slow tick (a GET held up by 429s) wrote a stale card over an
update made from Slack meanwhile, and the next tick noted that update a second time, as if
made in Datadog. Now the sync renews the card's lease while it works, checks it before
each write, and saves the card only over the version it read (compare-and-set).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.domain.sync.follow import SyncReport
from bot.emulators.card_driver import open_modal, with_changes
from bot.emulators.personas import ALICE
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import UPDATE_ACTION
from tests.exactly_once import wait_for
from tests.sync.test_sync import (
    card_of,
    declared,
    edit_severity,
    make_sync,
    stored_card,
    texts,
    thread_notes,
)

SLOW = 2.0
"""Seconds the sync's GET is held up: several times the card lease below."""
CARD_LEASE = 0.5


def hold_up_the_next_get(stack: LocalStack, incident_id: str) -> int:
    """The next GET of the incident is answered SLOW seconds late, with what Datadog had
    when it arrived (a stale answer, as after waiting out 429s); the GETs seen so far."""
    path = f"/api/v2/incidents/{incident_id}"

    def late(body: Any) -> Any:
        time.sleep(SLOW)
        return body

    stack.datadog.inject(f"GET {path}", body=late)
    return len(stack.datadog.calls(path, "GET"))


def tick_in_background(sync: Any) -> tuple[threading.Thread, list[SyncReport | None]]:
    reports: list[SyncReport | None] = []
    thread = threading.Thread(target=lambda: reports.append(sync.tick()), daemon=True)
    thread.start()
    return thread, reports


def in_datadog(notes: list[dict[str, Any]]) -> list[str]:
    return [texts(n["blocks"]) for n in notes if "(in Datadog)" in texts(n["blocks"])]


def test_a_slow_sync_does_not_overwrite_an_update_made_from_slack(stack: LocalStack) -> None:
    record = declared(stack, "Slow sync", 1)
    incident_id = record.incident_id or ""
    sync = make_sync(stack, interval=0, card_lease=CARD_LEASE)
    assert sync.tick() is not None  # the first read
    edit_severity(stack, record, "SEV-1")  # Bob, in Datadog: the card is due
    view = open_modal(stack, UPDATE_ACTION, user=ALICE)
    seen = hold_up_the_next_get(stack, incident_id)
    thread, reports = tick_in_background(sync)
    wait_for(
        lambda: len(stack.datadog.calls(f"/api/v2/incidents/{incident_id}", "GET")) > seen,
        what="the sync's GET",
    )
    time.sleep(2 * CARD_LEASE)  # past the lease the sync took: renewed, it still holds
    renamed = with_changes(view, title="Renamed from Slack")
    assert stack.submit(view, renamed, user=ALICE).status_code == 200
    thread.join(timeout=30)
    assert reports and reports[0] is not None
    wait_for(
        lambda: (
            not stack.services.cards.pending_updates()
            and [n for n in thread_notes(stack, record) if f"<@{ALICE}>" in texts(n["blocks"])]
        ),
        what="the update from Slack to be done",
        timeout=20,
    )
    for _ in range(2):  # later ticks: nothing left to note
        assert sync.tick() is not None
    card = stored_card(stack, record)
    assert (card.shown.title, card.shown.severity) == ("Renamed from Slack", "SEV-1")
    shown = texts(card_of(stack, record)["blocks"])
    assert "Renamed from Slack" in shown and "*Severity*\nSEV-1" in shown
    notes = thread_notes(stack, record)
    assert len(in_datadog(notes)) == 1, in_datadog(notes)
    assert "changed severity SEV-2 → SEV-1" in in_datadog(notes)[0]
    assert "title" not in in_datadog(notes)[0], "the rename from Slack is not blamed on Datadog"


def test_a_card_saved_meanwhile_stands_and_the_sync_posts_no_note(stack: LocalStack) -> None:
    """Another writer saved the card while the sync's GET was slow: the sync's save is
    refused (compare-and-set), the newer card is put back on the message, and no note."""
    record = declared(stack, "Saved meanwhile", 1)
    incident_id = record.incident_id or ""
    sync = make_sync(stack, interval=0, card_lease=30)
    assert sync.tick() is not None
    edit_severity(stack, record, "SEV-1")
    seen = hold_up_the_next_get(stack, incident_id)
    thread, reports = tick_in_background(sync)
    wait_for(
        lambda: len(stack.datadog.calls(f"/api/v2/incidents/{incident_id}", "GET")) > seen,
        what="the sync's GET",
    )
    cards = stack.services.cards
    newer = stored_card(stack, record)
    shown = newer.shown.model_copy(update={"title": "Saved meanwhile, newer"})
    assert cards.save_card(newer.model_copy(update={"shown": shown})) is True
    thread.join(timeout=30)
    report = reports[0]
    assert report is not None and report.gets == 1 and report.notes == 0
    assert thread_notes(stack, record) == []
    assert stored_card(stack, record).shown.title == "Saved meanwhile, newer"
    assert "Saved meanwhile, newer" in texts(card_of(stack, record)["blocks"])
