"""Issue 11 L11: text handling, driven over real HTTP against the emulators.

(a) the Retry acknowledgement escapes the title; (b) the thread reply keeps the bot's own
user mentions as mentions; (c) bidi controls and zero-width-only titles are refused under
the title field; (d) DECLARE_ALLOWED_HANDLES limits the free-text Datadog handles.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.declare.record import DeclarationRecord
from bot.emulators.personas import ALICE, DAVE, INCIDENTS
from bot.emulators.stack import LocalStack, emulator_env
from bot.slack.declare.messages import thread_reply
from tests.exactly_once import click_retry, wait_for
from tests.oracles import assert_blocks_round_trip

EVIL_TITLE = "<!channel> <http://evil.example|Open runbook>"


def field_errors(stack: LocalStack, title: str = "Checkout down", **form: object) -> dict[str, str]:
    answer = stack.declare(title, **form).json()
    assert answer.get("response_action") == "errors", answer
    return dict(answer["errors"])


def test_the_retry_acknowledgement_escapes_the_title(stack: LocalStack) -> None:
    stack.datadog.inject("POST /api/v2/incidents", status=403, times=50)
    assert stack.declare(EVIL_TITLE).json()["response_action"] == "update"
    stack.wait_done()
    (record,) = stack.services.store.all()
    assert record.step.value == "failed"
    before = len(stack.slack.responses)
    assert click_retry(stack, record.key) == 200
    wait_for(lambda: len(stack.slack.responses) > before, timeout=5, what="the Retry answer")
    text = stack.slack.responses[before]["text"]
    assert "<!channel>" not in text and "<http://evil.example" not in text, text
    assert "&lt;!channel&gt;" in text, text


def test_the_thread_reply_keeps_the_bots_own_mentions(stack: LocalStack) -> None:
    assert stack.declare("Payments down", people=[DAVE]).json()["response_action"] == "update"
    stack.wait_done()
    reply = stack.slack.messages(INCIDENTS)[-1]
    body = json.dumps(reply["blocks"])
    assert f"Could not notify <@{DAVE}>" in body, body
    assert "&lt;@" not in body, body
    assert_blocks_round_trip(reply["blocks"])


def test_user_text_in_a_note_stays_escaped() -> None:
    from bot.slack.declare.messages import render_note

    note = "Could not notify <@U0DAVE>: Slack said <!channel> <http://evil.example|x> & <@U0BOB>"
    rendered = render_note(note)
    assert rendered.startswith("Could not notify <@U0DAVE>:")
    assert "&lt;!channel&gt;" in rendered and "&lt;http://evil.example|x&gt;" in rendered
    assert "&lt;@U0BOB&gt;" in rendered, "only the bot's own leading mention is kept"
    assert "&amp;" in rendered


@pytest.mark.parametrize(
    "title",
    [
        "Checkout \u202edown",
        "\u2066Checkout down\u2069",
        "Checkout \u202adown",
    ],
)
def test_bidi_controls_in_the_title_are_refused(stack: LocalStack, title: str) -> None:
    errors = field_errors(stack, title)
    assert "direction" in errors["title"], errors
    assert stack.datadog.created_bodies() == []


@pytest.mark.parametrize("title", ["\u200b", "\u200b\u200c\u200d", "\u2060 \ufeff", "\ufeff"])
def test_zero_width_only_titles_are_empty(stack: LocalStack, title: str) -> None:
    errors = field_errors(stack, title)
    assert "Give the incident a title" in errors["title"], errors
    assert stack.datadog.created_bodies() == []


@pytest.fixture
def handles_limited() -> Iterator[LocalStack]:
    env = {"DECLARE_ALLOWED_HANDLES": "@pagerduty-*, @slack-*,@oncall-sre"}
    with LocalStack(env=env) as running:
        yield running


def test_handles_outside_the_allowed_patterns_are_refused(handles_limited: LocalStack) -> None:
    stack = handles_limited
    errors = field_errors(stack, handles="@pagerduty-payments @webhook-deploy-rollback")
    assert "@webhook-deploy-rollback" in errors["notify_handles"], errors
    assert "@pagerduty-payments" not in errors["notify_handles"], errors
    errors = field_errors(stack, handles="workflow-delete-everything")
    assert "workflow-delete-everything" in errors["notify_handles"], errors
    assert stack.datadog.created_bodies() == []
    answer = stack.declare("Checkout down", handles="@PagerDuty-payments @oncall-sre").json()
    assert answer["response_action"] == "update", answer
    stack.wait_done()
    (body,) = stack.datadog.created_bodies()
    assert "@oncall-sre" in json.dumps(body)


def test_any_handle_is_allowed_when_the_setting_is_empty(stack: LocalStack) -> None:
    answer = stack.declare("Checkout down", handles="@webhook-anything").json()
    assert answer["response_action"] == "update", answer


@pytest.mark.parametrize("value", ["@pagerduty-*,<!channel>", "@ok, ,@", "@a b"])
def test_bad_handle_patterns_fail_at_startup(stack: LocalStack, value: str) -> None:
    env = {**emulator_env(stack.slack, stack.datadog), "DECLARE_ALLOWED_HANDLES": value}
    with pytest.raises(ConfigError) as raised:
        load_settings(env, env_file=None)
    assert "DECLARE_ALLOWED_HANDLES" in str(raised.value)


def test_the_thread_reply_round_trips_with_notes() -> None:
    record = DeclarationRecord.model_validate(
        {
            "key": "dk-1",
            "declaration": {
                "key": "dk-1",
                "title": "x",
                "severity": "SEV-2",
                "commander_id": ALICE,
                "customer_impacted": False,
                "origin": {"team_id": "T", "channel_id": INCIDENTS, "user_id": ALICE},
            },
            "notes": ["Could not notify <#C0GONE>: the bot cannot see that channel."],
        }
    )
    _, blocks = thread_reply(record)
    assert "<#C0GONE>" in json.dumps(blocks)
    assert_blocks_round_trip(blocks)
