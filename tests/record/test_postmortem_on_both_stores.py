"""The postmortem on SQLite and on Redis, end to end: drafted once from the stored journal,
the card keeps its link, and a bot restarted on the same store answers a later press with
that link instead of drafting again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.domain.lifecycle.chores import ChoreStep
from bot.domain.record.postmortem_chore import postmortem_chore_key
from bot.emulators.personas import BOB
from bot.emulators.slack.inbound import BotCaller
from bot.emulators.stack import SIGNING_SECRET, LocalStack
from bot.server import HttpServer
from bot.services import build_services
from bot.slack.common.ids import POSTMORTEM_ACTION, RESOLVE_ACTION
from bot.store import Store
from bot.store.redis_store import RedisStore
from bot.store.sqlite import SqliteStore
from tests.card_actions import open_modal, press_card, wait_for, with_changes
from tests.redis_server import clear


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        yield SqliteStore(str(tmp_path / "postmortem.sqlite3"))
        return
    url = request.getfixturevalue("redis_url")
    clear(url)
    yield RedisStore.from_url(url)
    clear(url)


def test_drafted_once_and_remembered_across_a_restart(store: Store) -> None:
    stack = LocalStack(store=store).start()
    try:
        stack.declare("Search latency", commander=BOB)
        stack.wait_done()
        (incident_id,) = stack.datadog.incidents
        key = postmortem_chore_key(incident_id)
        view = open_modal(stack, RESOLVE_ACTION)
        assert stack.submit(view, with_changes(view)).status_code == 200
        wait_for(
            lambda: (c := store.get_chore(key)) is not None and c.step is ChoreStep.DONE,
            what="the drafted postmortem",
        )
        url = stack.datadog.attachments[incident_id][0]["attributes"]["attachment"]["documentUrl"]
        (card,) = store.closed_cards([incident_id])
        assert card.postmortem_url == url, "the card keeps the link"
    finally:
        stack.stop()
    # The same store, a new bot: a press answers with the link, and nothing is drafted again.
    again = LocalStack(store=store)
    again.slack, again.datadog = stack.slack, stack.datadog
    again.slack.start()
    again.datadog.start()
    try:
        again.settings = again.make_settings()
        again.services = build_services(again.settings, store=store)
        again.app = create_app(again.services)
        again.server = HttpServer(again.app, host="127.0.0.1", port=0).start()
        again.caller = BotCaller(again.server.url, SIGNING_SECRET)
        answers = len(again.slack.responses)
        assert press_card(again, POSTMORTEM_ACTION, user=BOB).status_code == 200
        told = wait_for(lambda: again.slack.responses[answers:], what="the answer")
        assert url in told[0]["text"] and "edit it there" in told[0]["text"]
        assert len(again.datadog.postmortem_bodies(incident_id)) == 1
    finally:
        again.caller.close()
        again.server.stop()
        again.services.shutdown()
        again.slack.stop()
        again.datadog.stop()
