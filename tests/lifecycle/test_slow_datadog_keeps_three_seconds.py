"""Slack's 3 seconds while Datadog is slow (issue 20, finding 3), over real HTTP.

On main (c648f55), `/declare list` and the Update modal's refresh held Bolt's five listener
threads while Datadog answered: with the search slowed to 8 s, five lists made the next
`/declare` fail ("unhandled request" after 3 s). The update's submit read Datadog before
its ack with the whole retry policy: acked after 3 s, and the change was still applied.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from bot.emulators.personas import ALICE, BOB
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import UPDATE_ACTION
from tests.card_actions import initial_values, open_modal, wait_for, with_changes

SEARCH = "GET /api/v2/incidents/search"
INCIDENT = "GET /api/v2/incidents/{iid}"
SLOW = 8.0


def test_slow_lists_leave_declare_its_three_seconds(stack: LocalStack) -> None:
    stack.datadog.slow(SEARCH, SLOW)
    try:
        with ThreadPoolExecutor(6) as lists:
            listing = [lists.submit(stack.slash, "list", user=BOB) for _ in range(6)]
            for response in (f.result(timeout=5) for f in listing):
                assert response.status_code == 200, response.text
            views = len(stack.slack.views)
            sent = time.monotonic()
            response = stack.slash("", user=ALICE)
            acked = time.monotonic() - sent
            assert response.status_code == 200, response.text
            assert acked < 1.0, f"/declare acked after {acked:.2f}s behind slow lists"
            wait_for(lambda: len(stack.slack.views) > views, what="the form", timeout=2.5)
    finally:
        stack.datadog.slow(SEARCH, 0)


def test_an_update_submitted_while_datadog_is_slow_is_refused_in_time_and_never_applied(
    stack: LocalStack,
) -> None:
    stack.declare("Checkout API 5xx")
    stack.wait_done()
    view = open_modal(stack, UPDATE_ACTION)
    stack.datadog.slow(INCIDENT, SLOW)
    try:
        patches = len(stack.datadog.calls(method="PATCH"))
        sent = time.monotonic()
        response = stack.submit(view, with_changes(view, severity="SEV-1"), user=ALICE)
        took = time.monotonic() - sent
        assert response.status_code == 200, response.text
        assert took < 2.9, f"acked after {took:.2f}s"
        answer = response.json()
        assert answer["response_action"] == "errors", answer
        assert "Datadog is slow" in str(answer["errors"])
        assert "nothing was changed" in str(answer["errors"])
        time.sleep(SLOW + 1.0)  # the read it gave up on has answered by now
        assert len(stack.datadog.calls(method="PATCH")) == patches, "applied later"
        assert not stack.services.cards.pending_updates()
    finally:
        stack.datadog.slow(INCIDENT, 0)
    # Datadog is quick again: the same form goes through.
    response = stack.submit(view, with_changes(view, severity="SEV-1"), user=ALICE)
    assert response.json()["response_action"] == "update"
    wait_for(lambda: stack.datadog.calls(method="PATCH"), what="the PATCH")
    assert initial_values(view)  # the form the person typed into was kept, not lost
