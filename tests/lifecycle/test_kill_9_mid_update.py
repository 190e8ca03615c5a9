"""`kill -9` between the PATCH and the card update: the restarted bot resumes the stored
update and leaves a current card and one thread note (the PATCH is not needed again)."""

from __future__ import annotations

import json
from pathlib import Path

from bot.domain.lifecycle.record import UpdateJob, UpdateStep
from bot.emulators.personas import ALICE, INCIDENTS, TEAM
from bot.emulators.slack.inbound import view_submission
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import UPDATE_ACTION
from bot.store.sqlite import SqliteStore
from tests import figures
from tests.bot_process import BotProcess, bot_env, open_modal, submission
from tests.card_actions import card_text, thread_notes, wait_for, with_changes
from tests.card_actions import open_modal as open_card_modal


def jobs(path: Path) -> list[UpdateJob]:
    store = SqliteStore(path)
    try:
        with store._lock:
            rows = store._db.execute(
                "SELECT data FROM incident_docs WHERE kind = 'update'"
            ).fetchall()
        return [UpdateJob.model_validate_json(r[0]) for r in rows]
    finally:
        store.close()


def cards_stored(path: Path) -> int:
    store = SqliteStore(path)
    try:
        return len(store.open_cards())
    finally:
        store.close()


def declared_in_a_process(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess], title: str
) -> tuple[BotProcess, Path]:
    """A real bot process on its own SQLite file, with one incident declared and carded."""
    store_path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(store_path))
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    view = open_modal(stack, first.caller)
    assert first.caller.interact(submission(stack, view, title)).status_code == 200
    wait_for(lambda: cards_stored(store_path) == 1, what="the card", timeout=15)
    wait_for(lambda: len(stack.slack.messages(INCIDENTS)) == 2, what="the thread reply")
    return first, store_path


def test_kill_9_between_patch_and_card_update_resumes_to_a_current_card(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    first, store_path = declared_in_a_process(stack, tmp_path, processes, "Crash mid-update")

    # Slack answers the card update `ratelimited`, Retry-After 30 s: the bot is waiting.
    stack.slack.inject("chat.update", "ratelimited", retry_after=30)
    figures.fault("kill -9 between the PATCH and the card update")
    modal = open_card_modal(stack, UPDATE_ACTION, caller=first.caller)
    payload = view_submission(
        modal,
        with_changes(modal, severity="SEV-1"),
        user_id=ALICE,
        trigger_id=stack.slack.issue_trigger(),
        team_id=TEAM,
    )
    assert first.caller.interact(payload).status_code == 200
    wait_for(
        lambda: [j for j in jobs(store_path) if j.step is UpdateStep.PATCHED],
        what="the update patched",
        timeout=15,
    )
    wait_for(lambda: stack.slack.calls("/api/chat.update"), what="the held card update")
    first.kill9()
    assert "SEV-1" not in card_text(stack)
    assert thread_notes(stack) == []

    second = BotProcess(tmp_path, first.env, name="second")
    processes.append(second)
    second.start()
    wait_for(
        lambda: all(j.step is UpdateStep.DONE for j in jobs(store_path)),
        what="the resumed update",
        timeout=30,
    )
    assert "SEV-1" in card_text(stack)
    assert len(stack.datadog.updated_bodies()) == 1, "the PATCH was not needed again"
    (note,) = thread_notes(stack)
    assert "changed severity" in json.dumps(note["blocks"])
    assert len(stack.slack.messages(INCIDENTS)) == 3, "card, reply, one note"
