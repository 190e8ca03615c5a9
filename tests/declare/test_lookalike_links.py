"""Issue 11 L1: look-alike Datadog links must not become timeline context, and the form
shows the links that will.

Driven over real HTTP: a message is posted to the Slack emulator, the message shortcut is
used on it, the form is submitted, and the create body Datadog received is read back.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.emulators.personas import ALICE
from bot.emulators.slack.inbound import declare_form_values
from bot.emulators.stack import LocalStack
from bot.slack.declare.form import metadata
from bot.slack.declare.form.source_message import context_links, is_context_link
from tests.oracles import assert_datadog_create_body, assert_view_round_trips

GOOD = "https://app.datadoghq.com/monitors/123"
LOOK_ALIKES = [
    "https://evil.example\\@app.datadoghq.com/monitors/123",
    "https://evil.example%5C@app.datadoghq.com/monitors/124",
    "https://user:pw@app.datadoghq.com/monitors/125",
    "https://app.datadoghq.com@evil.example/monitors/126",
    "https://app.datadoghq.com\u2024evil.example/monitors/127",
    "https://xn--pp-8ka.datadoghq.com/monitors/128",
    "https://äpp.datadoghq.com/monitors/129",
    "https://app.datadoghq.com:8443/monitors/130",
    "https://app.datadoghq.com/monitors/131\\evil",
]


def context_cells(body: dict[str, Any]) -> str:
    cells = body["data"]["attributes"]["initial_cells"]
    return "\n".join(str(c["content"]["content"]) for c in cells)


def shown_context(view: dict[str, Any]) -> str:
    blocks = [b for b in view["blocks"] if b.get("block_id") == "context_links"]
    assert len(blocks) == 1, view["blocks"]
    return json.dumps(blocks[0], ensure_ascii=False)


@pytest.mark.parametrize("url", LOOK_ALIKES)
def test_a_look_alike_is_not_a_context_link(url: str) -> None:
    assert not is_context_link(url)
    assert context_links({"text": f"see {url} and <{url}|the monitor>"}) == ()


def test_links_are_rebuilt_from_their_parts() -> None:
    found = context_links({"text": "<HTTPS://App.DatadogHQ.com/monitors/7/|m> and more"})
    assert found == ("https://app.datadoghq.com/monitors/7/",)


def test_only_real_links_travel_and_the_form_shows_them(stack: LocalStack) -> None:
    text = "Checkout down\n" + "\n".join(f"<{u}|monitor>" for u in LOOK_ALIKES) + f"\n{GOOD}"
    message = stack.post_message(text)
    assert stack.message_shortcut(message).status_code == 200
    view = stack.opened_view()
    assert_view_round_trips({k: view[k] for k in ("type", "title", "blocks")})
    meta = metadata.decode(view["private_metadata"])
    assert meta.context_links == (GOOD,)
    shown = shown_context(view)
    assert GOOD in shown and "evil" not in shown
    assert "evil" not in view["private_metadata"]

    values = declare_form_values(title="Checkout down", commander=ALICE)
    assert stack.submit(view, values).json()["response_action"] == "update"
    stack.wait_done()
    (body,) = stack.datadog.created_bodies()
    assert_datadog_create_body(body)
    cells = context_cells(body)
    assert f"Context: {GOOD}" in cells
    assert "evil" not in cells


def test_many_long_links_stay_within_block_kit_limits(stack: LocalStack) -> None:
    links = [f"https://app.datadoghq.com/dashboard/{i}/{'x' * 450}" for i in range(12)]
    message = stack.post_message("Dashboards\n" + "\n".join(links))
    assert stack.message_shortcut(message).status_code == 200
    view = stack.opened_view()
    assert_view_round_trips({k: view[k] for k in ("type", "title", "blocks")})
    meta = metadata.decode(view["private_metadata"])
    shown = shown_context(view)
    assert meta.context_links and all(link in shown for link in meta.context_links)


def test_markup_in_a_link_is_shown_escaped(stack: LocalStack) -> None:
    url = "https://app.datadoghq.com/notebook/1/a&b"
    message = stack.post_message(f"Notebook {url}")
    stack.message_shortcut(message)
    shown = shown_context(stack.opened_view())
    assert "a&amp;b" in shown


def test_links_are_checked_again_when_the_metadata_comes_back() -> None:
    from bot.domain.incident.declaration import Origin

    origin = Origin(team_id="T", channel_id="C1", user_id="U1")
    text = metadata.encode(metadata.Metadata(origin=origin, context_links=(LOOK_ALIKES[0], GOOD)))
    assert metadata.decode(text).context_links == (GOOD,)


def test_a_rewritten_link_list_is_not_ours(stack: LocalStack) -> None:
    message = stack.post_message(f"Checkout down {GOOD}")
    stack.message_shortcut(message)
    view = stack.opened_view()
    data = json.loads(view["private_metadata"])
    data["context_links"] = ["https://app.datadoghq.com/monitors/999"]
    forged = {**view, "private_metadata": json.dumps(data, separators=(",", ":"))}
    values = declare_form_values(title="Checkout down", commander=ALICE)
    answer = stack.submit(forged, values).json()
    assert answer["response_action"] == "errors", answer
    assert stack.datadog.created_bodies() == []
