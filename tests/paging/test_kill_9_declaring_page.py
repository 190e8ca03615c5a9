"""`kill -9` a declaring bot process around its page, start it again: one page, never two.

The bot runs as a real process on a SQLite file. Held between the create and the page (the
announcement's placeholder is slow, so the run waits for it after the create), the restart
pages once. Held with the page in flight (Datadog pages, then holds its answer), the
restart cannot look (Datadog lists no pages) and says the page may have been sent.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.domain.declare.record import DeclarationRecord, Step
from bot.emulators.personas import ALICE, INCIDENTS, TEAM
from bot.emulators.slack.inbound import declare_form_values, view_submission
from bot.emulators.stack import LocalStack
from bot.store.sqlite import SqliteStore
from tests.bot_process import BotProcess, bot_env, open_modal
from tests.exactly_once import wait_for
from tests.paging.test_declaring_pages import page_fields

PAGE_ROUTE = "POST /api/v2/incidents/{iid}/page"


def record_of(path: Path) -> DeclarationRecord | None:
    store = SqliteStore(path)
    try:
        records = store.all()
    finally:
        store.close()
    return records[0] if records else None


def declare_with_a_page(stack: LocalStack, bot: BotProcess, title: str) -> None:
    view = open_modal(stack, bot.caller)
    values = declare_form_values(title=title, commander=ALICE, extra=page_fields(team="db"))
    body = view_submission(
        view, values, user_id=ALICE, trigger_id=stack.slack.issue_trigger(), team_id=TEAM
    )
    response = bot.caller.interact(body)
    assert response.status_code == 200, response.text


def held_answer(seconds: float) -> Any:
    """An injected body that holds Datadog's answer after the page took effect."""

    def hold(body: bytes) -> bytes:
        time.sleep(seconds)
        return body

    return hold


def restart(
    tmp_path: Path, env: dict[str, str], processes: list[BotProcess], store_path: Path
) -> DeclarationRecord:
    second = BotProcess(tmp_path, env, name="second")
    processes.append(second)
    second.start()
    wait_for(
        lambda: (r := record_of(store_path)) is not None and r.step is Step.DONE,
        timeout=30,
        what="the resumed declaration",
    )
    record = record_of(store_path)
    assert record is not None
    return record


def test_killed_between_the_create_and_the_page_the_restart_pages_once(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    stack.datadog.add_team("db", "Databases")
    store_path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(store_path))
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    stack.slack.latency["/api/chat.postMessage"] = 20.0  # the placeholder: held after the create
    declare_with_a_page(stack, first, "Crash before the page")
    wait_for(
        lambda: (r := record_of(store_path)) is not None and r.step is Step.INCIDENT_CREATED,
        timeout=15,
        what="the incident created",
    )
    time.sleep(0.3)
    first.kill9()
    assert stack.datadog.sent_pages() == [], "killed before it paged"
    held = record_of(store_path)
    assert held is not None and held.page_started_at is None and held.page is not None
    stack.slack.latency.pop("/api/chat.postMessage")
    record = restart(tmp_path, env, processes, store_path)
    time.sleep(0.3)
    [page] = stack.datadog.sent_pages()
    assert len(stack.datadog.incidents) == 1
    assert record.page_sent is not None and record.page_sent.page_id == page["page_id"]


def test_killed_with_the_page_in_flight_the_restart_never_pages_again(
    stack: LocalStack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    stack.datadog.add_team("db", "Databases")
    store_path = tmp_path / "declare.sqlite3"
    env = bot_env(stack, STORE_PATH=str(store_path))
    first = BotProcess(tmp_path, env, name="first").start()
    processes.append(first)
    stack.datadog.inject(PAGE_ROUTE, body=held_answer(10.0))
    declare_with_a_page(stack, first, "Crash mid-page")
    wait_for(lambda: bool(stack.datadog.sent_pages()), timeout=15, what="the page in flight")
    first.kill9()
    record = restart(tmp_path, env, processes, store_path)
    time.sleep(0.3)
    assert len(stack.datadog.sent_pages()) == 1
    assert record.page_sent is not None and not record.page_sent.confirmed
    assert any("may have been sent" in note for note in record.notes)
    replies = [m for m in stack.slack.messages(INCIDENTS) if m.get("thread_ts")]
    assert any("may have been sent" in str(m["blocks"]) for m in replies)
