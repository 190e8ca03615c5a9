"""Issue 11 L2: authorization is checked at every step a person triggers, not only when the
form opens: the submission (also with a rewritten private_metadata), Retry and "declare
anyway". Driven over real HTTP against the emulators.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulators.personas import ALICE, BOB, CAROL, GENERAL, INCIDENTS
from bot.emulators.slack.inbound import declare_form_values
from bot.emulators.stack import LocalStack
from tests.exactly_once import click_retry, wait_for
from tests.oracles import assert_view_round_trips

ONCALL = "S0ONCALL"


@pytest.fixture
def channel_limited() -> Iterator[LocalStack]:
    with LocalStack(env={"DECLARE_ALLOWED_CHANNELS": INCIDENTS}) as running:
        yield running


@pytest.fixture
def group_limited() -> Iterator[LocalStack]:
    with LocalStack(env={"DECLARE_ALLOWED_USERGROUPS": ONCALL}) as running:
        running.slack.add_usergroup(ONCALL, "oncall", [ALICE, BOB])
        yield running


def open_form(stack: LocalStack, user: str = ALICE) -> dict[str, Any]:
    assert stack.slash(user=user).status_code == 200
    return stack.opened_view(count=len(stack.slack.calls("/api/views.open")) or 1)


def rewritten(view: dict[str, Any], **origin: str) -> dict[str, Any]:
    data = json.loads(view["private_metadata"])
    data.update(origin)
    return {**view, "private_metadata": json.dumps(data, separators=(",", ":"))}


def submit(
    stack: LocalStack, view: dict[str, Any], user: str = ALICE, commander: str = ALICE
) -> dict[str, Any]:
    values = declare_form_values(title="Checkout down", commander=commander)
    answer = stack.submit(view, values, user=user).json()
    assert isinstance(answer, dict)
    return answer


def test_a_rewritten_channel_is_refused(channel_limited: LocalStack) -> None:
    stack = channel_limited
    view = open_form(stack)
    answer = submit(stack, rewritten(view, channel_id=GENERAL, channel_name="general"))
    assert answer.get("response_action") == "errors", answer
    assert "title" in answer["errors"]
    assert stack.datadog.created_bodies() == []
    assert stack.services.store.all() == []


def test_a_rewritten_channel_is_refused_even_when_allowed(stack: LocalStack) -> None:
    """No allowlist: the metadata still binds the form to the channel it was opened in."""
    view = open_form(stack)
    answer = submit(stack, rewritten(view, channel_id=GENERAL, channel_name="general"))
    assert answer.get("response_action") == "errors", answer
    assert stack.datadog.created_bodies() == []


def test_someone_else_cannot_submit_the_form(stack: LocalStack) -> None:
    view = open_form(stack, user=ALICE)
    answer = submit(stack, view, user=BOB)
    assert answer.get("response_action") == "errors", answer
    assert stack.datadog.created_bodies() == []


def test_the_group_is_checked_again_at_submit(group_limited: LocalStack) -> None:
    stack = group_limited
    view = open_form(stack, user=BOB)
    stack.services.access.allowlist.ttl = 0  # the membership is read again
    stack.slack.add_usergroup(ONCALL, "oncall", [ALICE])  # Bob left on-call
    answer = submit(stack, view, user=BOB, commander=BOB)
    assert answer.get("response_action") == "errors", answer
    message = answer["errors"]["title"]
    assert "Only members" in message and "<!subteam" not in message, message
    assert stack.datadog.created_bodies() == []


def failed_declaration(stack: LocalStack) -> str:
    stack.datadog.inject("POST /api/v2/incidents", status=403, times=50)
    assert stack.declare("Checkout down").json()["response_action"] == "update"
    stack.wait_done()
    (record,) = stack.services.store.all()
    assert record.step.value == "failed"
    stack.datadog.clear_faults()
    return record.key


def test_only_the_declarer_may_retry(stack: LocalStack) -> None:
    key = failed_declaration(stack)
    creates = len(stack.datadog.calls("/api/v2/incidents", "POST"))
    before = len(stack.slack.responses)
    assert click_retry(stack, key, user=BOB) == 200
    wait_for(lambda: len(stack.slack.responses) > before, timeout=5, what="the refusal")
    answer = stack.slack.responses[before]
    assert answer.get("response_type") == "ephemeral" and not answer.get("replace_original")
    assert f"<@{ALICE}>" in answer["text"] and "retry" in answer["text"].lower(), answer
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == creates
    assert stack.services.store.get(key).step.value == "failed"  # type: ignore[union-attr]

    assert click_retry(stack, key, user=ALICE) == 200
    wait_for(lambda: stack.services.store.get(key).step.value == "done", what="the retry")  # type: ignore[union-attr]


def test_retry_rechecks_the_allowlist(group_limited: LocalStack) -> None:
    stack = group_limited
    key = failed_declaration(stack)
    stack.services.access.allowlist.ttl = 0
    stack.slack.add_usergroup(ONCALL, "oncall", [BOB])  # Alice left on-call
    before = len(stack.slack.responses)
    assert click_retry(stack, key, user=ALICE) == 200
    wait_for(lambda: len(stack.slack.responses) > before, timeout=5, what="the refusal")
    assert "Only members" in stack.slack.responses[before]["text"]
    assert stack.services.store.get(key).step.value == "failed"  # type: ignore[union-attr]


def duplicate_notice(stack: LocalStack) -> dict[str, Any]:
    message = stack.post_message("Checkout 5xx spiking")
    stack.message_shortcut(message)
    view = stack.opened_view()
    values = declare_form_values(title="Checkout 5xx spiking", commander=ALICE)
    assert stack.submit(view, values).json()["response_action"] == "update"
    stack.wait_done()
    stack.message_shortcut(message, user=BOB)
    notice = stack.opened_view(count=2)
    assert notice["callback_id"] == "declare_modal_duplicate"
    return notice


def test_only_the_person_shown_the_notice_may_declare_anyway(stack: LocalStack) -> None:
    notice = duplicate_notice(stack)
    updates = len(stack.slack.calls("/api/views.update"))  # the first declaration's, earlier
    assert stack.press(notice, "declare_anyway", user=CAROL).status_code == 200
    stack.slack.wait_for("/api/views.update", count=updates + 1)
    shown = stack.current_view(notice["id"])
    assert shown["callback_id"] != "declare_modal", shown
    assert_view_round_trips({k: shown[k] for k in ("type", "title", "close", "blocks")})
    assert "opened for someone else" in json.dumps(shown["blocks"])


def test_declare_anyway_rechecks_the_allowlist(group_limited: LocalStack) -> None:
    stack = group_limited
    notice = duplicate_notice(stack)
    stack.services.access.allowlist.ttl = 0
    stack.slack.add_usergroup(ONCALL, "oncall", [ALICE])  # Bob left on-call
    updates = len(stack.slack.calls("/api/views.update"))  # the first declaration's, earlier
    assert stack.press(notice, "declare_anyway", user=BOB).status_code == 200
    stack.slack.wait_for("/api/views.update", count=updates + 1)
    shown = stack.current_view(notice["id"])
    assert shown["callback_id"] != "declare_modal", shown
    assert "Only members" in json.dumps(shown["blocks"])
    assert_view_round_trips({k: shown[k] for k in ("type", "title", "close", "blocks")})
