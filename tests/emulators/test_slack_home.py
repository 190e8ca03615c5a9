"""The Slack emulator's Home tab: views.publish validates and keeps each person's view,
with Slack's errors, driven through a real slack_sdk WebClient over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import app_home_opened


def home(
    text: str = "Your incidents", blocks: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return {
        "type": "home",
        "callback_id": "home",
        "blocks": blocks if blocks is not None else [section],
    }


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_user("U1", "alice", real_name="Alice A", email="alice@example.com")
        emulator.add_user("U2", "bob", real_name="Bob B", email="bob@example.com")
        yield emulator


@pytest.fixture
def web(slack: SlackEmulator) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.url + "/api/", retry_handlers=[])


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return str(caught.value.response["error"])


def test_a_published_home_is_kept_per_person_and_replaced_whole(
    slack: SlackEmulator, web: WebClient
) -> None:
    assert slack.home_view("U1") is None
    first = web.views_publish(user_id="U1", view=home("one"))["view"]
    assert first["type"] == "home" and first["blocks"][0]["block_id"]
    second = web.views_publish(user_id="U1", view=home("two"), hash=first["hash"])["view"]
    assert second["id"] == first["id"]
    kept = slack.home_view("U1")
    assert kept is not None and kept["blocks"][0]["text"]["text"] == "two"
    assert slack.home_view("U2") is None


def test_views_publish_refuses_what_slack_refuses(slack: SlackEmulator, web: WebClient) -> None:
    published = web.views_publish(user_id="U1", view=home())["view"]
    web.views_publish(user_id="U1", view=home("newer"))
    assert error_of(web.views_publish, user_id="U1", view=home(), hash=published["hash"]) == (
        "hash_conflict"
    )
    modal = {**home(), "type": "modal", "title": {"type": "plain_text", "text": "x"}}
    assert error_of(web.views_publish, user_id="U1", view=modal) == "invalid_arguments"
    too_many = home(blocks=[{"type": "divider"}] * 101)
    assert error_of(web.views_publish, user_id="U1", view=too_many) == "invalid_arguments"
    assert error_of(web.views_publish, user_id="U9", view=home()) == "user_not_found"
    slack.enable_home(False)
    assert error_of(web.views_publish, user_id="U2", view=home()) == "not_enabled"
    assert slack.home_view("U2") is None


def test_app_home_opened_is_slacks_event_callback() -> None:
    body = app_home_opened("U1", team_id="T1", view={"id": "V1"})
    assert body["type"] == "event_callback" and body["team_id"] == "T1"
    assert body["event"]["type"] == "app_home_opened" and body["event"]["user"] == "U1"
    assert body["event"]["tab"] == "home" and body["event"]["view"] == {"id": "V1"}
    assert "view" not in app_home_opened("U1")["event"]
