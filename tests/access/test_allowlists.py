"""Who may declare: DECLARE_ALLOWED_CHANNELS and DECLARE_ALLOWED_USERGROUPS.

Empty lists allow everyone. A refusal is an ephemeral answer to /declare that says why and
what to do instead, and no form opens. The user-group answer needs Slack, so it is given
before the ack only once cached; the first time, the form opens at once and the refusal
replaces it (tests/declare/test_no_silent_failures.py: a rate-limited lookup must not
delay the ack).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.emulators.personas import ALICE, BOB, GENERAL, INCIDENTS
from bot.emulators.slack.inbound import payload_body
from bot.emulators.stack import LocalStack
from tests.exactly_once import wait_for

ONCALL = "S0ONCALL"


@pytest.fixture
def channel_limited() -> Iterator[LocalStack]:
    with LocalStack(env={"DECLARE_ALLOWED_CHANNELS": f"{INCIDENTS}"}) as running:
        yield running


@pytest.fixture
def group_limited() -> Iterator[LocalStack]:
    with LocalStack(env={"DECLARE_ALLOWED_USERGROUPS": ONCALL}) as running:
        running.slack.add_usergroup(ONCALL, "oncall", [BOB])
        yield running


def refusal_text(stack: LocalStack, *, user: str = ALICE, channel: str = INCIDENTS) -> str:
    response = stack.slash(user=user, channel=channel)
    assert response.status_code == 200
    return response.text


def refused_in_form(stack: LocalStack, *, user: str = ALICE, updates: int = 1) -> str:
    """The first try: the form opens, then the group check replaces it with the refusal."""
    assert refusal_text(stack, user=user) == ""
    stack.slack.wait_for("/api/views.update", updates)
    view_id = stack.slack.calls_of("views.update")[-1]["view_id"]
    return json.dumps(stack.current_view(view_id)["blocks"])


def test_everyone_may_declare_without_allowlists(stack: LocalStack) -> None:
    assert refusal_text(stack, channel=GENERAL) == ""
    stack.slack.wait_for("/api/views.open")


def test_a_channel_outside_the_list_is_refused_with_where_to_go(
    channel_limited: LocalStack,
) -> None:
    text = refusal_text(channel_limited, channel=GENERAL)
    assert "can't be declared from this channel" in text
    assert f"<#{INCIDENTS}>" in text
    assert channel_limited.slack.calls("/api/views.open") == []
    assert refusal_text(channel_limited, channel=INCIDENTS) == ""
    channel_limited.slack.wait_for("/api/views.open")


def test_only_members_of_the_groups_may_declare(group_limited: LocalStack) -> None:
    shown = refused_in_form(group_limited, user=ALICE)
    assert f"<!subteam^{ONCALL}>" in shown and "Only members" in shown
    text = refusal_text(group_limited, user=ALICE)  # now known: refused in the ack, no form
    assert f"<!subteam^{ONCALL}>" in text and "Only members" in text
    assert len(group_limited.slack.calls("/api/views.open")) == 1
    assert refusal_text(group_limited, user=BOB) == ""
    group_limited.slack.wait_for("/api/views.open", 2)
    assert len(group_limited.slack.calls("/api/views.update")) == 1


def test_membership_is_cached(group_limited: LocalStack) -> None:
    refused_in_form(group_limited, user=ALICE)
    for _ in range(2):
        assert "Only members" in refusal_text(group_limited, user=ALICE)
    assert len(group_limited.slack.calls("/api/usergroups.users.list")) == 1


def test_the_message_shortcut_is_refused_too(channel_limited: LocalStack) -> None:
    stack = channel_limited
    payload = {
        "type": "message_action",
        "callback_id": "declare_from_message",
        "trigger_id": stack.slack.issue_trigger(),
        "response_url": stack.slack.response_url(),
        "team": {"id": "T0EMULATOR", "domain": "emulator"},
        "channel": {"id": GENERAL, "name": "general"},
        "user": {"id": ALICE, "name": "alice"},
        "message_ts": "1700000000.000100",
        "message": {"type": "message", "text": "db down", "ts": "1700000000.000100"},
    }
    assert stack.caller.post(payload_body(payload)).status_code == 200
    wait_for(lambda: stack.slack.responses, timeout=5, what="the refusal")
    assert "can't be declared from this channel" in stack.slack.responses[-1]["text"]
    assert stack.slack.calls("/api/views.open") == []


def test_a_failed_group_lookup_says_so_and_is_not_cached(group_limited: LocalStack) -> None:
    stack = group_limited
    stack.slack.inject("usergroups.users.list", "missing_scope")
    shown = refused_in_form(stack, user=BOB)
    assert "missing_scope" in shown, shown
    assert refusal_text(stack, user=BOB) == "", "the next try asks Slack again"
    stack.slack.wait_for("/api/views.open", 2)
    wait_for(lambda: len(stack.slack.calls("/api/usergroups.users.list")) == 2, what="lookup")
    assert len(stack.slack.calls("/api/views.update")) == 1, "this time the form stays"
