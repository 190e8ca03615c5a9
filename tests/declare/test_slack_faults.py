"""Slack faults on the announcement: rate limits and the channel fallbacks.

`ratelimited` waits as Retry-After says; `not_in_channel` joins a public channel and
posts; `channel_not_found` and `is_archived` send the announcement to the person
declaring by DM. Once an incident exists its link reaches them, whatever fails.
"""

from __future__ import annotations

import json

from bot.domain.declare.record import DeclarationRecord, Step
from bot.emulators.personas import ALICE, GENERAL, INCIDENTS
from bot.emulators.stack import LocalStack
from tests import figures
from tests.exactly_once import assert_exactly_once, click_retry, wait_for

INCIDENT_URL = "https://app.datadoghq.com/incidents/1"


def inject(stack: LocalStack, method: str, error: str, times: int = 1, **kwargs: int) -> None:
    stack.slack.inject(method, error, times=times, **kwargs)
    figures.fault(f"slack {error} on {method}", times)


def only_record(stack: LocalStack) -> DeclarationRecord:
    (record,) = stack.services.store.all()
    return record


def test_ratelimited_post_waits_as_retry_after_says(stack: LocalStack) -> None:
    inject(stack, "chat.postMessage", "ratelimited", retry_after=1)
    stack.declare("Slack rate limit")
    stack.wait_done(timeout=15)
    posts = stack.slack.calls("/api/chat.postMessage")
    gap = posts[1].received_at - posts[0].received_at
    assert gap >= 1.0, f"retried after {gap:.2f}s; Slack said Retry-After: 1"
    figures.timing("slack ratelimited wait (asked 1s)", gap)
    assert only_record(stack).delivered == "channel"
    assert_exactly_once(stack, "Slack rate limit")


def test_not_in_channel_joins_then_posts(stack: LocalStack) -> None:
    inject(stack, "chat.postMessage", "not_in_channel")
    stack.declare("Joined first")
    stack.wait_done()
    assert [c["channel"] for c in stack.slack.calls_of("conversations.join")] == [INCIDENTS]
    assert only_record(stack).delivered == "channel"
    assert_exactly_once(stack, "Joined first")


def test_public_channel_the_bot_is_not_in(stack: LocalStack) -> None:
    figures.fault("slack not_in_channel on chat.postMessage (not a member)")
    stack.declare("Not a member", channel=GENERAL)
    stack.wait_done()
    assert only_record(stack).announce_channel == GENERAL
    assert_exactly_once(stack, "Not a member")


def test_channel_not_found_sends_the_link_by_dm(stack: LocalStack) -> None:
    inject(stack, "chat.postMessage", "channel_not_found")
    stack.declare("Vanished channel")
    stack.wait_done()
    record = only_record(stack)
    assert record.step is Step.DONE and record.delivered == "dm"
    assert INCIDENT_URL in json.dumps(stack.slack.messages(ALICE))
    assert_exactly_once(stack, "Vanished channel")


def test_archived_channel_sends_the_link_by_dm(stack: LocalStack) -> None:
    stack.slack.add_channel(INCIDENTS, "incidents", is_archived=True)
    figures.fault("slack is_archived on chat.postMessage")
    stack.declare("Archived channel")
    stack.wait_done()
    assert only_record(stack).delivered == "dm"
    assert INCIDENT_URL in json.dumps(stack.slack.messages(ALICE))
    assert_exactly_once(stack, "Archived channel")


def test_when_every_post_fails_the_modal_carries_the_link_and_retry_announces(
    stack: LocalStack,
) -> None:
    stack.slack.add_channel(INCIDENTS, "incidents", is_archived=True)
    figures.fault("slack is_archived on chat.postMessage")
    inject(stack, "conversations.open", "user_disabled", times=2)
    stack.declare("Nowhere to post")
    stack.wait_done()
    record = only_record(stack)
    assert record.step is Step.FAILED and record.failed_at is Step.INCIDENT_CREATED
    assert record.incident_url == INCIDENT_URL
    shown = stack.slack.calls_of("views.update")[-1]["view"]
    assert shown["title"]["text"] == "Not declared"
    assert INCIDENT_URL in json.dumps(shown), "the link reaches the person in the modal"

    stack.slack.add_channel(INCIDENTS, "incidents", is_archived=False)
    assert click_retry(stack, record.key) == 200
    wait_for(lambda: only_record(stack).step is Step.DONE, what="the announcement on retry")
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == 1
    assert_exactly_once(stack, "Nowhere to post")
