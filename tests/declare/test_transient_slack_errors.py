"""Issue 11 M1: a transient Slack error on the announcement is retried, not sent to a DM.

The Slack emulator answers `chat.postMessage` with each of Slack's transient errors (and
an error it has never heard of). The bot must retry with backoff and announce in the
channel, with the thread reply and the Datadog integration link; when the error lasts
past its attempts the step fails with Retry, and Retry announces in the channel. Only
the named permanent refusals (`channel_not_found`, `is_archived`, ...) go to a DM.

`fatal_error` and `internal_error` may come after Slack stored the message: the bot
posts again (docs/reliability.md): a possible second message, never a lost one.
"""

from __future__ import annotations

import json

import pytest

from bot.domain.declare.record import DeclarationRecord, Step
from bot.emulators.personas import ALICE, INCIDENTS
from bot.emulators.stack import LocalStack
from tests import figures
from tests.exactly_once import announcements, assert_exactly_once, click_retry, wait_for

TRANSIENT = ("internal_error", "fatal_error", "service_unavailable", "request_timeout")
UNKNOWN = "some_error_slack_adds_next_year"
INCIDENT_URL = "https://app.datadoghq.com/incidents/1"


def only_record(stack: LocalStack) -> DeclarationRecord:
    (record,) = stack.services.store.all()
    return record


def inject(stack: LocalStack, error: str, times: int = 1, *, after_effect: bool = False) -> None:
    stack.slack.inject("chat.postMessage", error, times=times, after_effect=after_effect)
    figures.fault(f"slack {error} on chat.postMessage" + (" (posted)" if after_effect else ""))


def linked_channels(stack: LocalStack) -> list[str]:
    """Channels registered with the incident through Datadog's integrations API."""
    sent = [
        r.json()
        for r in stack.datadog.calls(method="POST")
        if r.path.endswith("/relationships/integrations")
    ]
    return [
        channel["channel_id"]
        for body in sent
        for channel in body["data"]["attributes"]["metadata"]["channels"]
    ]


def assert_announced_in_channel(stack: LocalStack, title: str) -> None:
    record = only_record(stack)
    assert (record.step, record.delivered) == (Step.DONE, "channel"), (record.step, record.error)
    assert record.announce_channel == INCIDENTS
    assert not stack.slack.messages(ALICE), "no DM: the channel took the announcement"
    assert linked_channels(stack) == [INCIDENTS]
    replies = [m for m in stack.slack.messages(INCIDENTS) if m.get("thread_ts")]
    assert [r["thread_ts"] for r in replies] == [record.announce_ts]


@pytest.mark.parametrize("error", [*TRANSIENT, UNKNOWN])
def test_one_transient_error_is_retried_in_the_channel(stack: LocalStack, error: str) -> None:
    inject(stack, error)
    title = f"Transient {error}"
    stack.declare(title)
    stack.wait_done()
    assert_announced_in_channel(stack, title)
    assert len(stack.slack.calls_of("chat.postMessage")) == 3  # refused, announcement, reply
    assert_exactly_once(stack, title)


def test_a_lasting_transient_error_fails_with_retry_then_announces(stack: LocalStack) -> None:
    attempts = stack.services.runner.policy.announce_attempts
    # The placeholder's attempts first (it gives up), then the announcement's (issue 15).
    inject(stack, "service_unavailable", times=2 * attempts)
    stack.declare("Slack down a while")
    stack.wait_done()
    record = only_record(stack)
    assert record.step is Step.FAILED and record.failed_at is Step.INCIDENT_CREATED
    assert len(stack.slack.calls_of("chat.postMessage")) == 2 * attempts
    assert not stack.slack.messages(ALICE), "a transient error is no reason for a DM"
    # The failure is saved, then reported (issue 11 L4): wait for the report.
    wait_for(lambda: stack.slack.calls_of("views.update"), what="the failure in the modal")
    shown = stack.slack.calls_of("views.update")[-1]["view"]
    assert INCIDENT_URL in json.dumps(shown), "the link reaches the person in the modal"

    assert click_retry(stack, record.key) == 200
    wait_for(lambda: only_record(stack).step is Step.DONE, what="the announcement on retry")
    assert_announced_in_channel(stack, "Slack down a while")
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == 1
    assert_exactly_once(stack, "Slack down a while")


@pytest.mark.parametrize("error", ["fatal_error", "internal_error"])
def test_an_error_after_slack_posted_may_repeat_the_message_never_lose_it(
    stack: LocalStack, error: str
) -> None:
    """Slack stored the message and still answered an error: the bot cannot tell (it has
    no history scope), so it posts again. The thread and the link go to the second one."""
    inject(stack, error, after_effect=True)
    stack.declare("Posted anyway")
    stack.wait_done()
    assert_announced_in_channel(stack, "Posted anyway")
    first, second = announcements(stack.slack, "Posted anyway")
    assert only_record(stack).announce_ts == second["ts"] != first["ts"]


def test_a_permanent_refusal_still_sends_the_link_by_dm(stack: LocalStack) -> None:
    inject(stack, "restricted_action")
    stack.declare("Posting restricted")
    stack.wait_done()
    record = only_record(stack)
    assert (record.step, record.delivered) == (Step.DONE, "dm")
    assert len(stack.slack.calls_of("chat.postMessage")) == 3  # refused, DM, DM thread reply
    assert INCIDENT_URL in json.dumps(stack.slack.messages(ALICE))
    assert_exactly_once(stack, "Posting restricted")
