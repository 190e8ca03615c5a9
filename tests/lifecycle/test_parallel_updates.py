"""The card's edit goes out beside the PATCH, over real HTTP: the card shows the change
while the PATCH is in flight; the thread note waits for Datadog; a PATCH refused for good
puts the card back and tells the person (Retry, no note); `kill -9` after the card edit and
before the PATCH resumes to one PATCH effect and one note; the sync never echoes it."""

from __future__ import annotations

import json
from pathlib import Path

from bot.emulators.base import Request
from bot.emulators.personas import ALICE, BOB, INCIDENTS, TEAM
from bot.emulators.slack.arguments import decode_json_fields
from bot.emulators.slack.inbound import view_submission
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import UPDATE_ACTION, UPDATE_RETRY_ACTION
from tests import figures
from tests.bot_process import BotProcess
from tests.card_actions import card_text, open_modal, thread_notes, wait_for, with_changes
from tests.lifecycle.test_kill_9_mid_update import declared_in_a_process, jobs
from tests.oracles import assert_blocks_round_trip

PATCH = "PATCH /api/v2/incidents/{incident_id}"
SYNC_INTERVAL = 0.3


def declare(stack: LocalStack) -> None:
    stack.declare("Search slow", severity="SEV-3", commander=BOB)
    stack.wait_done()


def card_edits(stack: LocalStack, since: int = 0) -> list[str]:
    """The card's fallback text of every chat.update from the `since`-th on, in order."""

    def text(request: Request) -> str:
        raw = request.json() if "json" in (request.header("content-type") or "") else None
        args = decode_json_fields(dict(raw or request.form()))
        return str(args.get("text", ""))

    return [text(r) for r in stack.slack.calls("/api/chat.update")[since:]]


def severity_in_datadog(stack: LocalStack) -> str:
    (incident,) = stack.datadog.incidents.values()
    return str(incident["attributes"]["fields"]["severity"]["value"])


def test_the_card_shows_the_change_while_the_patch_is_in_flight(stack: LocalStack) -> None:
    declare(stack)
    since = len(stack.slack.calls("/api/chat.update"))
    stack.datadog.inject(PATCH, delay=1.5)  # Datadog is slow to take the PATCH
    view = open_modal(stack, UPDATE_ACTION)
    stack.submit(view, with_changes(view, severity="SEV-1"))
    wait_for(lambda: "SEV-1" in card_text(stack), what="the card edited", timeout=1.2)
    assert stack.datadog.updated_bodies() == [], "the PATCH is still in flight"
    assert severity_in_datadog(stack) == "SEV-3"
    assert thread_notes(stack) == [], "the note waits for Datadog"

    (note,) = wait_for(lambda: thread_notes(stack), what="the note", timeout=10)
    assert "changed severity SEV-3 → SEV-1" in json.dumps(note["blocks"], ensure_ascii=False)
    assert len(stack.datadog.updated_bodies()) == 1
    assert severity_in_datadog(stack) == "SEV-1"
    edits = card_edits(stack, since)
    assert len(edits) == 1, "Datadog answered what the card shows: no second edit"
    assert "SEV-1" in edits[0]
    assert len(stack.slack.messages(INCIDENTS)) == 3, "card, reply, one note"


def test_a_patch_refused_for_good_puts_the_card_back_and_tells_the_person(
    stack: LocalStack,
) -> None:
    declare(stack)
    since = len(stack.slack.calls("/api/chat.update"))
    stack.datadog.inject(PATCH, status=403, delay=0.3, times=50)
    figures.fault("update: PATCH 403 while the card shows the change")
    view = open_modal(stack, UPDATE_ACTION)
    stack.submit(view, with_changes(view, severity="SEV-1"))
    (notice,) = wait_for(
        lambda: [m for m in stack.slack.ephemerals(INCIDENTS) if m["user"] == ALICE],
        what="the failure notice",
    )
    # By the time the person is told, the card is back to what Datadog has.
    assert "SEV-1" not in card_text(stack) and "SEV-3" in card_text(stack)
    edits = card_edits(stack, since)
    assert len(edits) == 2 and "SEV-1" in edits[0] and "SEV-3" in edits[1], edits
    shown = json.dumps(notice["blocks"])
    assert "403" in shown and UPDATE_RETRY_ACTION in shown
    assert_blocks_round_trip(notice["blocks"])
    assert thread_notes(stack) == [], "no note for a change Datadog doesn't have"
    assert stack.datadog.updated_bodies() == [] and severity_in_datadog(stack) == "SEV-3"


def test_kill_9_after_the_card_edit_before_the_patch_resumes_to_one_patch_and_one_note(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    first, store_path = declared_in_a_process(stack, tmp_path, processes, "Crash mid-PATCH")

    # Datadog answers the PATCH 429, reset in 30 s: the bot waits with the card edited.
    stack.datadog.inject(PATCH, status=429, headers={"X-RateLimit-Reset": "30"})
    figures.fault("kill -9 after the card edit, before the PATCH")
    modal = open_modal(stack, UPDATE_ACTION, caller=first.caller)
    payload = view_submission(
        modal,
        with_changes(modal, severity="SEV-1"),
        user_id=ALICE,
        trigger_id=stack.slack.issue_trigger(),
        team_id=TEAM,
    )
    assert first.caller.interact(payload).status_code == 200
    wait_for(lambda: "SEV-1" in card_text(stack), what="the card edited", timeout=10)
    wait_for(
        lambda: [r for r in stack.datadog.requests if r.method == "PATCH"],
        what="the refused PATCH",
    )
    first.kill9()
    assert stack.datadog.updated_bodies() == []
    assert thread_notes(stack) == []

    second = BotProcess(tmp_path, first.env, name="second")
    processes.append(second)
    second.start()
    wait_for(
        lambda: all(j.step.value == "done" for j in jobs(store_path)),
        what="the resumed update",
        timeout=30,
    )
    assert "SEV-1" in card_text(stack)
    assert len(stack.datadog.updated_bodies()) == 1, "one PATCH effect"
    (note,) = thread_notes(stack)
    assert "changed severity" in json.dumps(note["blocks"])
    assert len(stack.slack.messages(INCIDENTS)) == 3, "card, reply, one note"


def test_the_sync_does_not_echo_an_update_whose_patch_is_in_flight() -> None:
    with LocalStack(env={"DECLARE_SYNC_INTERVAL": str(SYNC_INTERVAL)}) as stack:
        declare(stack)
        (card,) = stack.services.cards.open_cards()
        wait_for(
            lambda: (stack.services.cards.get_card(card.key) or card).shown.modified,
            what="the sync's first read",
        )
        since = len(stack.slack.calls("/api/chat.update"))
        stack.datadog.inject(PATCH, delay=5 * SYNC_INTERVAL)  # ticks pass meanwhile
        view = open_modal(stack, UPDATE_ACTION)
        stack.submit(view, with_changes(view, severity="SEV-1"))
        wait_for(lambda: thread_notes(stack), what="the update's note")
        wait_for(
            lambda: len(stack.datadog.calls("/api/v2/incidents/search")) >= 3,
            what="more sync ticks",
        )
        searched = len(stack.datadog.calls("/api/v2/incidents/search"))
        wait_for(
            lambda: len(stack.datadog.calls("/api/v2/incidents/search")) >= searched + 3,
            what="ticks after the update",
        )
        (note,) = thread_notes(stack)
        assert "in Datadog" not in json.dumps(note["blocks"])
        edits = card_edits(stack, since)
        assert edits and all("SEV-1" in e for e in edits), edits
        assert len(stack.datadog.updated_bodies()) == 1
