"""`kill -9` the bot between Datadog's create of the postmortem and its own save, start it
again: the postmortem exists once (the restarted bot finds it, and links it)."""

from __future__ import annotations

import json
from pathlib import Path

from bot.domain.lifecycle.chores import Chore, ChoreStep
from bot.domain.record.postmortem_chore import postmortem_chore_key
from bot.emulators.personas import INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import POSTMORTEM_ACTION
from bot.store.sqlite import SqliteStore
from tests.bot_process import BotProcess, bot_env, open_modal, submission
from tests.card_actions import press_card, thread_notes
from tests.exactly_once import wait_for

ROUTE = "POST /api/v2/incidents/{incident_id}/attachments/postmortems"


def stored_chore(path: Path, key: str) -> Chore | None:
    store = SqliteStore(path)
    try:
        return store.get_chore(key)
    finally:
        store.close()


def test_kill_9_with_the_create_in_flight_then_restart_makes_one_postmortem(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    store_path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(store_path))
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    view = open_modal(stack, first.caller)
    assert first.caller.interact(submission(stack, view, "Checkout errors")).status_code == 200
    wait_for(lambda: len(stack.slack.messages(INCIDENTS)) >= 2, timeout=15, what="the card")
    (incident_id,) = stack.datadog.incidents
    key = postmortem_chore_key(incident_id)

    stack.datadog.inject(ROUTE, delay=1.5)  # Datadog makes it 1.5 s later, the bot dead by then
    assert press_card(stack, POSTMORTEM_ACTION, caller=first.caller).status_code == 200
    wait_for(
        lambda: stack.datadog.calls(method="POST")[-1].path.endswith("/postmortems"),
        timeout=15,
        what="the create in flight",
    )
    chore = stored_chore(store_path, key)
    assert chore is not None and chore.step is ChoreStep.SENDING
    first.kill9()
    wait_for(lambda: stack.datadog.postmortem_bodies(incident_id), timeout=5, what="the create")

    second = BotProcess(tmp_path, env, name="second").start()
    processes.append(second)
    wait_for(
        lambda: (c := stored_chore(store_path, key)) is not None and c.step is ChoreStep.DONE,
        timeout=30,
        what="the resumed chore",
    )
    assert len(stack.datadog.postmortem_bodies(incident_id)) == 1
    posts = [c for c in stack.datadog.calls(method="POST") if c.path.endswith("/postmortems")]
    assert len(posts) == 1, "found after the restart, never made again"
    assert "found in Datadog, not written again" in second.log()
    notes = [n for n in thread_notes(stack) if "Postmortem drafted" in json.dumps(n)]
    assert len(notes) == 1
    url = stack.datadog.attachments[incident_id][0]["attributes"]["attachment"]["documentUrl"]
    assert url in json.dumps(notes[0])
