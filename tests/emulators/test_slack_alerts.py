"""The Slack emulator holds Datadog's alert messages and keeps a person's entries like Slack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.alerts import attachment_alert, blocks_alert, text_alert
from bot.emulators.slack.inbound import option_value, text_value
from bot.slack.monitor.alert import read_alert

URL = "https://app.datadoghq.com/monitors/42?group=host%3Aweb-1"


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator()
    emulator.start()
    emulator.add_user("U1", "alice")
    emulator.add_channel("C1", "alerts")
    yield emulator
    emulator.stop()


def web(emulator: SlackEmulator) -> WebClient:
    return WebClient(token=emulator.bot_token, base_url=emulator.url + "/api/")


@pytest.mark.parametrize("shape", [attachment_alert, blocks_alert, text_alert])
def test_held_alerts_are_bot_messages_the_shortcut_can_read(
    slack: SlackEmulator, shape: Any
) -> None:
    message = slack.hold_message("C1", shape("High CPU on web-1", URL, "CPU above 90%"))
    assert message["subtype"] == "bot_message" and message["username"] == "Datadog"
    assert message in slack.messages("C1")
    if shape is not text_alert:
        assert message["text"] == ""
    for block in message.get("blocks", []):
        assert Block.parse(block) is not None
    alert = read_alert(message)
    assert alert.primary is not None and alert.primary.monitor_id == 42
    assert alert.status == "Triggered" and alert.title == "High CPU on web-1"
    link = web(slack).chat_getPermalink(channel="C1", message_ts=message["ts"])
    assert link["permalink"].endswith("/archives/C1/p" + message["ts"].replace(".", ""))


def test_holding_refuses_what_slack_would_refuse(slack: SlackEmulator) -> None:
    with pytest.raises(ValueError):
        slack.hold_message("C1", {"text": ""})
    with pytest.raises(ValueError):
        slack.hold_message("C1", {"blocks": [{"type": "nonsense"}]})
    with pytest.raises(ValueError):
        slack.hold_message("C404", text_alert("x", URL))


def form(title: str, severity: str, *, title_block: str = "title") -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": severity}, "value": severity}
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Declare"},
        "blocks": [
            {
                "type": "input",
                "block_id": title_block,
                "label": {"type": "plain_text", "text": "Title"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": title_block,
                    "initial_value": title,
                },
            },
            {
                "type": "input",
                "block_id": "severity",
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {
                    "type": "static_select",
                    "action_id": "severity",
                    "options": [option],
                    "initial_option": option,
                },
            },
        ],
    }


def test_views_update_keeps_entries_with_the_same_ids_only(slack: SlackEmulator) -> None:
    client = web(slack)
    view_id = client.views_open(trigger_id=slack.issue_trigger(), view=form("a", "SEV-3"))["view"][
        "id"
    ]
    assert slack.shown_values(view_id) == {
        "title": {"title": text_value("a")},
        "severity": {"severity": option_value("SEV-3")},
    }
    slack.type_into(view_id, "title", "title", text_value("typed by the person"))

    client.views_update(view_id=view_id, view=form("from the monitor", "SEV-2"))
    shown = slack.shown_values(view_id)
    assert shown["title"] == {"title": text_value("typed by the person")}  # kept
    assert shown["severity"] == {"severity": option_value("SEV-2")}  # untouched: new initial

    client.views_update(view_id=view_id, view=form("new id", "SEV-2", title_block="title2"))
    assert slack.shown_values(view_id)["title2"] == {"title2": text_value("new id")}
    assert slack.views[view_id]["state"]["values"] == {}  # the entry's block is gone
