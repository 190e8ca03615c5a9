"""Hypothesis throws malformed, hostile and huge inputs at the running bot, correctly signed.

Whatever arrives, the bot answers 2xx or 4xx (with a message a person can act on), never
a 5xx, a crash or a hang; and text over Slack's or Datadog's limits is shortened with an
ellipsis, never refused. One stack serves the whole module; examples are bounded.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.incident.declaration import SCOPE_MAX, SUMMARY_MAX, TITLE_MAX
from bot.emulators.personas import ALICE, BOB, INCIDENTS, TEAM
from bot.emulators.slack.inbound import declare_form_values, payload_body, view_submission
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from tests import figures

EXAMPLES = settings(
    max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "60")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),  # CI replays a fixed set; local runs explore
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ANSWER_WITHIN = 5.0
"""Seconds: Slack gives up after 3; anything near this is a hang."""

# --- strategies --------------------------------------------------------------------------

control = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from("\x7f\u2028\u202e")
awkward_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=control, max_size=20),
    st.sampled_from(["", " ", "<!channel>", "*bold* _x_ `y`", "😀" * 40, "\u0000", "a\r\nb"]),
    st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(3_000, 60_000)),
)
"""Unicode, control characters, mrkdwn, and strings far over every limit."""
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), awkward_text)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON: where a dict is expected, a list or a string turns up, and so on."""
users = st.sampled_from([ALICE, BOB, "U0NOBODY", "", "W0123"]) | awkward_text

SLASH_KEYS = (
    "token team_id team_domain channel_id channel_name user_id user_name command text "
    "api_app_id response_url trigger_id"
).split()


INTERACTION_TYPES = (
    "view_submission block_actions view_closed shortcut message_action block_suggestion "
    "event_callback interactive_message"
).split()
CONTAINERS = (
    "user team channel message container event enterprise authorizations view actions action_id"
).split()
"""Keys Slack fills with objects or lists; here they get any JSON at all."""


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value, or a marker meaning "leave the key out"."""
    return st.one_of(st.just(...), strategy)


# --- fixtures and checks ---------------------------------------------------------------


@pytest.fixture(scope="module")
def shared() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture(scope="module")
def real_view(shared: LocalStack) -> dict[str, Any]:
    """A modal the bot really opened: submissions need its private_metadata."""
    assert shared.slash().status_code == 200
    return shared.opened_view()


def answered(response: httpx.Response, elapsed: float) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert elapsed < ANSWER_WITHIN, f"answered after {elapsed:.1f}s"
    if response.status_code == 200 and response.content:
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            answer = response.json()
            assert isinstance(answer, dict)
            assert answer.get("response_action") in (None, "errors", "update", "push", "clear")
            for message in (answer.get("errors") or {}).values():
                assert isinstance(message, str) and 0 < len(message) <= 150


def send(stack: LocalStack, body: bytes) -> httpx.Response:
    started = time.monotonic()
    response = stack.caller.post(body)
    answered(response, time.monotonic() - started)
    return response


# --- properties --------------------------------------------------------------------------


@EXAMPLES
@given(fields=st.fixed_dictionaries({key: maybe(awkward_text) for key in SLASH_KEYS}))
def test_slash_commands_with_missing_or_strange_fields(
    shared: LocalStack, fields: dict[str, Any]
) -> None:
    form = {k: v for k, v in fields.items() if v is not ...}
    form.setdefault("command", ids.COMMAND)
    figures.bad_input("slash command")
    send(shared, urlencode(form).encode())


@EXAMPLES
@given(raw=st.binary(max_size=2_000))
def test_arbitrary_bytes_as_a_request_body(shared: LocalStack, raw: bytes) -> None:
    figures.bad_input("raw body bytes")
    send(shared, raw)


@EXAMPLES
@given(payload=json_values | st.text(max_size=200))
def test_interaction_payloads_that_are_not_objects(shared: LocalStack, payload: Any) -> None:
    figures.bad_input("interaction payload (not an object)")
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    send(shared, urlencode({"payload": raw}).encode())


@EXAMPLES
@given(
    values=st.dictionaries(st.sampled_from(list(declare_form_values())), json_values, max_size=6)
    | st.builds(
        lambda title, summary, scope, handles, commander: declare_form_values(
            title=title,
            summary=summary,
            scope=scope,
            impacted=bool(scope),
            handles=handles,
            commander=commander,
        ),
        awkward_text,
        awkward_text,
        awkward_text,
        awkward_text,
        users,
    ),
    user=users,
    team=maybe(json_values),
    metadata=maybe(json_values | awkward_text),
)
def test_view_submissions_with_strange_values(
    shared: LocalStack,
    real_view: dict[str, Any],
    values: dict[str, Any],
    user: str,
    team: Any,
    metadata: Any,
) -> None:
    payload = view_submission(
        real_view, values, user_id=user, trigger_id=shared.slack.issue_trigger(), team_id=TEAM
    )
    if team is not ...:
        payload["team"] = team
    if metadata is not ...:
        payload["view"]["private_metadata"] = (
            metadata if isinstance(metadata, str) else json.dumps(metadata)
        )
    figures.bad_input("view_submission")
    send(shared, payload_body(payload))


@EXAMPLES
@given(
    payload=st.fixed_dictionaries(
        {
            "type": st.sampled_from(INTERACTION_TYPES) | awkward_text,
            **{key: maybe(json_values) for key in CONTAINERS},
            "trigger_id": maybe(awkward_text),
            "response_url": maybe(awkward_text),
            "callback_id": maybe(
                st.sampled_from([ids.MODAL_CALLBACK, ids.MESSAGE_SHORTCUT]) | json_values
            ),
        }
    )
)
def test_interactions_with_wrong_types_everywhere(
    shared: LocalStack, payload: dict[str, Any]
) -> None:
    payload = {k: v for k, v in payload.items() if v is not ...}
    if isinstance(payload.get("view"), dict):
        payload["view"].setdefault("callback_id", ids.MODAL_CALLBACK)
    if payload["type"] == "block_actions" and not isinstance(payload.get("actions"), list):
        payload["actions"] = [{"action_id": ids.RETRY_ACTION, "value": payload.get("actions")}]
    figures.bad_input("interaction with wrong types")
    send(shared, payload_body(payload))


def test_the_bot_is_still_healthy_and_everything_it_sent_was_accepted(shared: LocalStack) -> None:
    """After all of the above: alive, every accepted declaration done, nothing refused."""
    assert shared.caller.http.get(shared.server.url + "/healthz").status_code == 200
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        records = shared.services.store.all()
        if all(r.step.value in ("done", "failed") for r in records):
            break
        time.sleep(0.1)
    unfinished = {r.key: (r.step.value, r.error) for r in records if r.step.value != "done"}
    assert unfinished == {}
    posts = shared.datadog.calls("/api/v2/incidents", "POST")
    assert len(shared.datadog.created_bodies()) == len(posts), "Datadog refused a create"
    for body in shared.datadog.created_bodies():
        assert len(body["data"]["attributes"]["title"]) <= TITLE_MAX
    print(f"\n{len(records)} fuzzed submissions became declarations, all done")


# --- limits: shortened with an ellipsis, never refused --------------------------------


def test_text_over_the_limits_is_shortened_with_an_ellipsis(stack: LocalStack) -> None:
    title, summary, scope = "T" * 5_000, "S" * 20_000, "X" * 9_000
    figures.bad_input("texts over Slack's and Datadog's limits", 3)
    response = stack.declare(title, summary=summary, scope=scope, impacted=True)
    assert response.status_code == 200 and response.json()["response_action"] == "update"
    stack.wait_done()
    (record,) = stack.services.store.all()
    assert record.step.value == "done", record.error
    attributes = stack.datadog.created_bodies()[0]["data"]["attributes"]
    assert len(attributes["title"]) == TITLE_MAX and attributes["title"].endswith("…")
    assert len(attributes["customer_impact_scope"]) <= SCOPE_MAX
    assert attributes["customer_impact_scope"].endswith("…")
    cells = [c["content"]["content"] for c in attributes["initial_cells"]]
    assert len(cells[0]) <= SUMMARY_MAX and cells[0].endswith("…")
    announcement = stack.slack.messages(INCIDENTS)[0]
    header = announcement["blocks"][0]["text"]["text"]
    assert len(header) <= 150 and header.endswith("…")


def test_a_huge_slash_command_text_still_opens_the_form(stack: LocalStack) -> None:
    figures.bad_input("texts over Slack's and Datadog's limits")
    assert stack.slash("é" * 20_000).status_code == 200
    view = stack.opened_view()
    title = (
        view["blocks"][0]
        if view["blocks"][0].get("block_id") == ids.TITLE
        else next(b for b in view["blocks"] if b.get("block_id") == ids.TITLE)
    )
    initial = title["element"].get("initial_value", "")
    assert len(initial) <= TITLE_MAX and initial.endswith("…")
