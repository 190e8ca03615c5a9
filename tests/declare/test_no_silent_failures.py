"""Issue 11 L8: no silent failures, and the ack comes first.

- views.open failing (an expired trigger, or any Slack error) is answered ephemerally with
  the reason and what to do, for /declare and for the message shortcut;
- with DECLARE_ALLOWED_USERGROUPS set, a rate-limited usergroups.users.list (429 with
  Retry-After from the Slack emulator) no longer delays the ack past Slack's 3 s: the form
  opens at once and turns into the refusal when the lookup says no.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from bot.emulators.personas import ALICE, BOB
from bot.emulators.stack import LocalStack
from tests.exactly_once import wait_for
from tests.oracles import assert_view_round_trips

ONCALL = "S0ONCALL"
SLACK_ACK_LIMIT = 3.0


def ephemeral_after(stack: LocalStack, before: int) -> dict[str, object]:
    wait_for(lambda: len(stack.slack.responses) > before, timeout=5, what="an ephemeral answer")
    answer = stack.slack.responses[before]
    assert answer.get("response_type") == "ephemeral", answer
    return answer


@pytest.mark.parametrize("error", ["expired_trigger_id", "internal_error"])
def test_a_failed_views_open_is_answered_for_the_command(stack: LocalStack, error: str) -> None:
    stack.slack.inject("views.open", error)
    before = len(stack.slack.responses)
    response = stack.slash("checkout down")
    assert response.status_code == 200 and "unhandled" not in response.text.lower()
    text = str(ephemeral_after(stack, before)["text"])
    assert error in text and "/declare" in text, text


def test_a_failed_views_open_is_answered_for_the_shortcut(stack: LocalStack) -> None:
    message = stack.post_message("db down")
    stack.slack.inject("views.open", "expired_trigger_id")
    before = len(stack.slack.responses)
    assert stack.message_shortcut(message).status_code == 200
    text = str(ephemeral_after(stack, before)["text"])
    assert "expired_trigger_id" in text and "Declare incident" in text, text


@pytest.fixture
def group_limited() -> Iterator[LocalStack]:
    with LocalStack(env={"DECLARE_ALLOWED_USERGROUPS": ONCALL}) as running:
        running.slack.add_usergroup(ONCALL, "oncall", [BOB])
        yield running


def rate_limit_lookups(stack: LocalStack) -> None:
    """Two 429s with Retry-After: 2, so the lookup takes over 4 s."""
    stack.slack.inject("usergroups.users.list", "ratelimited", times=2, retry_after=2)


def test_the_ack_comes_first_when_the_group_lookup_is_rate_limited(
    group_limited: LocalStack,
) -> None:
    stack = group_limited
    rate_limit_lookups(stack)
    started = time.monotonic()
    response = stack.slash(user=BOB)
    acked = time.monotonic() - started
    assert response.status_code == 200 and response.text == "", response.text
    assert acked < SLACK_ACK_LIMIT, f"ack after {acked:.2f}s"
    stack.slack.wait_for("/api/views.open")
    assert stack.slack.calls("/api/views.open")[0].received_at - started < 1.5
    wait_for(
        lambda: len(stack.slack.calls("/api/usergroups.users.list")) >= 3,
        timeout=10,
        what="the lookup",
    )
    time.sleep(0.3)
    assert stack.slack.calls("/api/views.update") == [], "a member keeps the form"


def test_a_non_member_sees_the_refusal_in_the_form(group_limited: LocalStack) -> None:
    stack = group_limited
    rate_limit_lookups(stack)
    started = time.monotonic()
    response = stack.slash(user=ALICE)
    assert time.monotonic() - started < SLACK_ACK_LIMIT
    assert response.status_code == 200
    view = stack.opened_view()
    stack.slack.wait_for("/api/views.update", timeout=10)
    shown = stack.current_view(view["id"])
    assert_view_round_trips({k: shown[k] for k in ("type", "title", "close", "blocks")})
    text = json.dumps(shown["blocks"])
    assert "Only members" in text and f"<!subteam^{ONCALL}>" in text, text
    assert not shown.get("submit")


def test_the_shortcut_opens_the_form_in_time_too(group_limited: LocalStack) -> None:
    stack = group_limited
    message = stack.post_message("db down")
    rate_limit_lookups(stack)
    started = time.monotonic()
    assert stack.message_shortcut(message, user=BOB).status_code == 200
    assert time.monotonic() - started < SLACK_ACK_LIMIT
    stack.slack.wait_for("/api/views.open")
    call = stack.slack.calls("/api/views.open")[0]
    assert call.received_at - started < 1.5
    assert stack.slack.calls_of("views.open")  # the trigger was still fresh: a form opened
    assert stack.slack.views, "the form opened"
    wait_for(
        lambda: len(stack.slack.calls("/api/usergroups.users.list")) >= 3,
        timeout=10,
        what="the lookup to end before teardown",
    )
