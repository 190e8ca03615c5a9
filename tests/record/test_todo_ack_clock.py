"""To-dos keep Slack's 3 seconds while Datadog's user lookups are slow, over real HTTP.

Before, `/declare todo` resolved its assignees one after another, each with the whole lookup
budget (1.8 s), after an access check that could take 1.5 s: two assignees whose lookups
took 1.6 s each were acked after 3.2 s, which Slack reports as a failure.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.emulators.personas import ALICE, BOB, CAROL
from bot.emulators.stack import LocalStack
from tests.channel.test_incident_channel import channel_stack
from tests.record.helpers import the_card

USERS = "GET /api/v2/users"


@pytest.fixture
def incident() -> Iterator[LocalStack]:
    stack = channel_stack()
    stack.declare("Login errors", severity="SEV-2", commander=ALICE)
    stack.wait_done()
    yield stack
    stack.stop()


def test_assignees_share_one_lookup_budget_within_the_ack(incident: LocalStack) -> None:
    stack = incident
    card = the_card(stack)
    stack.datadog.slow(USERS, 1.6)
    try:
        sent = time.monotonic()
        response = stack.slash(f"todo Call the vendor <@{BOB}> <@{CAROL}>", channel=card.channel)
        took = time.monotonic() - sent
    finally:
        stack.datadog.slow(USERS, 0)
    assert response.status_code == 200, response.text
    assert took < 2.9, f"acked after {took:.2f}s"
    text = response.json()["text"]
    assert "took too long" in text and "Nothing was added" in text
    assert "`/declare todo Call the vendor" in text  # what was typed is given back
    with stack.datadog.lock:
        assert not stack.datadog.todos.get(card.incident_id)
