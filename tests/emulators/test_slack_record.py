"""The Slack emulator's reads of messages (history, replies, permalinks) and reactions,
driven through a real slack_sdk WebClient; the reaction's event in Slack's shape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import events_api_body

BOT = "xoxb-emulator"
HISTORY = ("channels:history", "groups:history", "chat:write")


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator()
    emulator.start()
    emulator.add_user("U1", "alice", email="alice@example.com")
    emulator.add_channel("C1", "incident-1")
    emulator.set_scopes(BOT, [*SlackEmulator.BOT_SCOPES, *HISTORY])
    yield emulator
    emulator.stop()


@pytest.fixture
def web(slack: SlackEmulator) -> WebClient:
    return WebClient(token=BOT, base_url=slack.url + "/api/", retry_handlers=[])


def test_history_reads_one_message_by_its_ts_and_replies_read_threads(
    slack: SlackEmulator, web: WebClient
) -> None:
    first = slack.post_as_user("C1", "U1", "the db is at 100% CPU", files=["graph.png"])
    second = slack.post_as_user("C1", "U1", "failing over")
    reply = slack.post_as_user("C1", "U1", "done", thread_ts=second)
    one = web.conversations_history(channel="C1", latest=first, inclusive=True, limit=1)
    assert [m["ts"] for m in one["messages"]] == [first]
    assert one["messages"][0]["files"][0]["name"] == "graph.png"
    everything = web.conversations_history(channel="C1")
    assert [m["ts"] for m in everything["messages"]] == [second, first]  # no replies, newest first
    thread = web.conversations_replies(channel="C1", ts=second)
    assert [m["ts"] for m in thread["messages"]] == [second, reply]
    alone = web.conversations_replies(channel="C1", ts=reply, limit=1)
    assert [m["text"] for m in alone["messages"]] == ["done"]
    link = web.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]
    assert link.endswith(f"?thread_ts={second}&cid=C1")


def test_history_needs_its_scope_and_membership(slack: SlackEmulator, web: WebClient) -> None:
    slack.set_scopes(BOT, [s for s in SlackEmulator.BOT_SCOPES if s not in HISTORY])
    with pytest.raises(SlackApiError) as caught:
        web.conversations_history(channel="C1")
    assert caught.value.response["error"] == "missing_scope"
    assert caught.value.response["needed"] == "channels:history"
    slack.set_scopes(BOT, [*SlackEmulator.BOT_SCOPES, *HISTORY])
    slack.add_channel("C2", "elsewhere", is_member=False)
    with pytest.raises(SlackApiError) as caught:
        web.conversations_history(channel="C2")
    assert caught.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as caught:
        web.conversations_replies(channel="C1", ts="1.000001")
    assert caught.value.response["error"] == "thread_not_found"


def test_a_reaction_is_kept_and_its_event_has_slacks_shape(slack: SlackEmulator) -> None:
    ts = slack.post_as_user("C1", "U1", "root cause: expired cert")
    event = slack.add_reaction("C1", ts, "U1", "pushpin")
    assert event["type"] == "reaction_added" and event["reaction"] == "pushpin"
    assert event["item"] == {"type": "message", "channel": "C1", "ts": ts}
    assert event["item_user"] == "U1"
    slack.add_reaction("C1", ts, "U1", "pushpin")  # the same person again: counted once
    assert slack.message("C1", ts)["reactions"] == [
        {"name": "pushpin", "users": ["U1"], "count": 1}
    ]
    body = events_api_body(event, team_id="T1")
    assert body["type"] == "event_callback" and body["event"] is event
    assert body["team_id"] == "T1" and body["event_id"].startswith("Ev")
