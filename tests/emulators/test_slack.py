"""The Slack emulator, driven through a real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.emulators.slack import SlackEmulator

BOT = "xoxb-emulator"
APP = "xapp-emulator"


def modal(
    title: str = "Declare incident", blocks: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "declare",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": blocks
        if blocks is not None
        else [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator()
    emulator.start()
    emulator.add_user("U1", "alice", real_name="Alice A", email="alice@example.com")
    emulator.add_channel("C1", "incidents")
    yield emulator
    emulator.stop()


def client(emulator: SlackEmulator, token: str | None = BOT) -> WebClient:
    # no retry handlers: the tests want to see raw 429s
    return WebClient(token=token, base_url=emulator.url + "/api/", retry_handlers=[])


def refused(call: Any, *args: Any, **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call(*args, **kwargs)
    return caught.value


def error_of(call: Any, *args: Any, **kwargs: Any) -> str:
    return str(refused(call, *args, **kwargs).response["error"])


# auth ----------------------------------------------------------------------------------
def test_auth_test_and_scopes_header(slack: SlackEmulator) -> None:
    answer = client(slack).auth_test()
    assert answer["user_id"] == "UBOT" and answer["team_id"] == "T0EMULATOR"
    assert answer["url"] == "https://emulator.slack.com/"
    assert answer.headers["x-oauth-scopes"].split(",") == list(SlackEmulator.BOT_SCOPES)
    assert "chat:write.public" not in SlackEmulator.BOT_SCOPES


def test_token_errors_and_token_types(slack: SlackEmulator) -> None:
    assert error_of(client(slack, None).auth_test) == "not_authed"
    assert error_of(client(slack, "xoxb-nope").auth_test) == "invalid_auth"
    assert error_of(client(slack, APP).auth_test) == "not_allowed_token_type"
    assert error_of(client(slack).apps_connections_open, app_token=BOT) == "not_allowed_token_type"
    opened = client(slack, APP).apps_connections_open(app_token=APP)
    assert opened["url"].startswith("wss://127.0.0.1/")
    assert opened.headers["x-oauth-scopes"] == "connections:write"


def test_token_as_form_parameter_and_get_query(slack: SlackEmulator) -> None:
    form = httpx.post(f"{slack.url}/api/auth.test", data={"token": BOT})
    assert form.json()["ok"] is True
    query = httpx.get(f"{slack.url}/api/users.info", params={"token": BOT, "user": "U1"})
    assert query.json()["user"]["name"] == "alice"
    assert httpx.post(f"{slack.url}/api/nope.nope", data={"token": BOT}).json() == {
        "ok": False,
        "error": "unknown_method",
    }


# views ---------------------------------------------------------------------------------
def test_trigger_is_single_use(slack: SlackEmulator) -> None:
    web = client(slack)
    trigger = slack.issue_trigger()
    view = web.views_open(trigger_id=trigger, view=modal())["view"]
    assert view["id"].startswith("V") and view["hash"] and view["callback_id"] == "declare"
    assert view["state"] == {"values": {}} and view["root_view_id"] == view["id"]
    assert slack.views[view["id"]]["blocks"][0]["block_id"] == "title"
    assert error_of(web.views_open, trigger_id=trigger, view=modal()) == "exchanged_trigger_id"
    assert error_of(web.views_open, trigger_id="1.2.unknown", view=modal()) == "invalid_trigger_id"


def test_trigger_expires() -> None:
    with SlackEmulator(trigger_ttl=0.2) as emulator:
        trigger = emulator.issue_trigger()
        time.sleep(0.3)
        web = client(emulator)
        assert error_of(web.views_open, trigger_id=trigger, view=modal()) == "expired_trigger_id"


@pytest.mark.parametrize(
    "view",
    [
        modal(title="x" * 25),
        modal(blocks=[{"type": "divider"}] * 101),
        modal(blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]),
        modal(blocks=[{"type": "no_such_block"}]),
        modal(blocks=[{"type": "actions", "elements": [{"type": "no_such_element"}]}]),
        {"title": {"type": "plain_text", "text": "no type"}, "blocks": [{"type": "divider"}]},
    ],
)
def test_invalid_view_is_refused_without_using_the_trigger(
    slack: SlackEmulator, view: dict[str, Any]
) -> None:
    web = client(slack)
    trigger = slack.issue_trigger()
    answer = refused(web.views_open, trigger_id=trigger, view=view).response
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert web.views_open(trigger_id=trigger, view=modal())["ok"]


def test_views_update_hash_and_push(slack: SlackEmulator) -> None:
    web = client(slack)
    opened = web.views_open(trigger_id=slack.issue_trigger(), view=modal())["view"]
    updated = web.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Step 2"))
    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    assert slack.views[opened["id"]]["title"]["text"] == "Step 2"
    stale = error_of(web.views_update, view_id=opened["id"], hash=opened["hash"], view=modal())
    assert stale == "hash_conflict"
    assert error_of(web.views_update, view_id="VNOPE", view=modal()) == "not_found"
    pushed = web.views_push(trigger_id=slack.issue_trigger(), view=modal("Pushed"))["view"]
    assert pushed["previous_view_id"] == opened["id"]
    assert pushed["root_view_id"] == opened["root_view_id"]


def test_views_external_id(slack: SlackEmulator) -> None:
    web = client(slack)
    view = dict(modal(), external_id="incident-1")
    opened = web.views_open(trigger_id=slack.issue_trigger(), view=view)["view"]
    again = error_of(web.views_open, trigger_id=slack.issue_trigger(), view=view)
    assert again == "duplicate_external_id"
    updated = web.views_update(external_id="incident-1", view=modal("By external id"))["view"]
    assert updated["id"] == opened["id"] and updated["external_id"] == "incident-1"


def test_view_sent_form_encoded_is_accepted(slack: SlackEmulator) -> None:
    answer = client(slack).api_call(
        "views.open", data={"trigger_id": slack.issue_trigger(), "view": json.dumps(modal())}
    )
    assert answer["ok"]
    assert slack.calls_of("views.open")[0]["view"]["callback_id"] == "declare"


# chat ----------------------------------------------------------------------------------
def test_post_message_ts_and_threads(slack: SlackEmulator) -> None:
    web = client(slack)
    first = web.chat_postMessage(channel="C1", text="Incident declared")
    second = web.chat_postMessage(channel="C1", text="update", thread_ts=first["ts"])
    assert re.fullmatch(r"\d{10}\.\d{6}", first["ts"])
    assert float(second["ts"]) > float(first["ts"]) and first["channel"] == "C1"
    assert second["message"]["thread_ts"] == first["ts"]
    nope = error_of(web.chat_postMessage, channel="C1", text="x", thread_ts="1.000001")
    assert nope == "thread_not_found"
    root, reply = slack.messages("C1")
    assert root["user"] == "UBOT" and "thread_ts" not in root and root["reply_count"] == 1
    assert reply["text"] == "update" and reply["thread_ts"] == first["ts"]


def test_post_message_blocks_are_validated(slack: SlackEmulator) -> None:
    web = client(slack)
    ok = [{"type": "section", "text": {"type": "mrkdwn", "text": "*SEV-2* declared"}}]
    assert web.chat_postMessage(channel="C1", text="fallback", blocks=ok)["message"]["blocks"] == ok
    bad = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert error_of(web.chat_postMessage, channel="C1", text="x", blocks=bad) == "invalid_blocks"
    with pytest.warns(UserWarning):  # slack_sdk warns about the missing text first
        assert error_of(web.chat_postMessage, channel="C1") == "no_text"
    form = web.api_call("chat.postMessage", data={"channel": "C1", "blocks": json.dumps(ok)})
    assert form["message"]["blocks"] == ok
    assert slack.calls_of("chat.postMessage")[-1]["blocks"] == ok
    twice = [{**ok[0], "block_id": "same"}, {**ok[0], "block_id": "same"}]
    assert error_of(web.chat_postMessage, channel="C1", text="x", blocks=twice) == "invalid_blocks"


def test_membership_errors_and_join(slack: SlackEmulator) -> None:
    web = client(slack)
    slack.add_channel("C2", "outside", is_member=False)
    slack.add_channel("G1", "secret", is_private=True, is_member=False)
    slack.add_channel("C3", "old", is_archived=True)
    assert error_of(web.chat_postMessage, channel="CNOPE", text="x") == "channel_not_found"
    assert error_of(web.chat_postMessage, channel="C2", text="x") == "not_in_channel"
    assert error_of(web.chat_postMessage, channel="G1", text="x") == "channel_not_found"
    assert error_of(web.chat_postMessage, channel="C3", text="x") == "is_archived"
    assert error_of(web.conversations_join, channel="G1") == "channel_not_found"
    slack.add_channel("G2", "secret2", is_private=True)
    assert error_of(web.conversations_join, channel="G2") == "method_not_supported_for_channel_type"
    assert error_of(web.conversations_join, channel="C3") == "is_archived"
    assert web.conversations_join(channel="C2")["channel"]["is_member"] is True
    assert web.chat_postMessage(channel="C2", text="x")["ok"]


def test_ephemeral_update_and_permalink(slack: SlackEmulator) -> None:
    web = client(slack)
    slack.add_channel("C2", "outside", is_member=False)
    assert web.chat_postEphemeral(channel="C1", user="U1", text="only you")["message_ts"]
    assert slack.ephemerals("C1")[0]["user"] == "U1"
    assert error_of(web.chat_postEphemeral, channel="C2", user="U1", text="x") == "not_in_channel"
    posted = web.chat_postMessage(channel="C1", text="v1")
    web.chat_update(channel="C1", ts=posted["ts"], text="v2")
    assert slack.messages("C1")[0]["text"] == "v2"
    link = web.chat_getPermalink(channel="C1", message_ts=posted["ts"])["permalink"]
    assert link == f"https://emulator.slack.com/archives/C1/p{posted['ts'].replace('.', '')}"
    missing = error_of(web.chat_getPermalink, channel="C1", message_ts="1.000001")
    assert missing == "message_not_found"


def test_direct_messages(slack: SlackEmulator) -> None:
    web = client(slack)
    posted = web.chat_postMessage(channel="U1", text="you declared an incident")
    assert posted["channel"].startswith("D")
    assert web.conversations_open(users="U1")["channel"]["id"] == posted["channel"]
    assert slack.messages("U1") == slack.messages(posted["channel"])
    assert len(slack.messages("U1")) == 1


def test_conversations_info_scopes(slack: SlackEmulator) -> None:
    slack.add_channel("G1", "secret", is_private=True)
    info = client(slack).conversations_info(channel="G1")["channel"]
    assert info["is_private"] and info["is_group"] and not info["is_channel"]
    slack.set_scopes(BOT, ["chat:write", "channels:read"])
    answer = refused(client(slack).conversations_info, channel="G1").response
    assert (answer["error"], answer["needed"]) == ("missing_scope", "groups:read")
    assert client(slack).conversations_info(channel="C1")["channel"]["name"] == "incidents"


# users ---------------------------------------------------------------------------------
def test_users_info_email_needs_its_scope(slack: SlackEmulator) -> None:
    user = client(slack).users_info(user="U1")["user"]
    assert user["profile"]["email"] == "alice@example.com"
    assert user["real_name"] == "Alice A" and user["profile"]["display_name"] == "alice"
    slack.set_scopes(BOT, ["users:read"])
    assert "email" not in client(slack).users_info(user="U1")["user"]["profile"]
    slack.set_scopes(BOT, ["chat:write"])
    answer = refused(client(slack).users_info, user="U1").response
    assert answer["error"] == "missing_scope"
    assert (answer["needed"], answer["provided"]) == ("users:read", "chat:write")
    assert answer.headers["x-oauth-scopes"] == "chat:write"
    slack.set_scopes(BOT, ["users:read"])
    assert error_of(client(slack).users_info, user="UNOPE") == "user_not_found"


def test_usergroup_members(slack: SlackEmulator) -> None:
    slack.add_usergroup("S1", "oncall", ["U1"])
    assert client(slack).usergroups_users_list(usergroup="S1")["users"] == ["U1"]
    assert error_of(client(slack).usergroups_users_list, usergroup="S9") == "no_such_subteam"


# faults ----------------------------------------------------------------------------------
def test_injected_error_takes_precedence(slack: SlackEmulator) -> None:
    web = client(slack)
    slack.inject("chat.postMessage", "not_in_channel", times=2)
    assert error_of(web.chat_postMessage, channel="C1", text="x") == "not_in_channel"
    assert error_of(web.chat_postMessage, channel="C1", text="x") == "not_in_channel"
    assert web.chat_postMessage(channel="C1", text="x")["ok"]
    assert len(slack.calls_of("chat.postMessage")) == 3


def test_injected_ratelimit_answers_429_with_retry_after(slack: SlackEmulator) -> None:
    slack.inject("users.info", "ratelimited", retry_after=7)
    error = refused(client(slack).users_info, user="U1")
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert client(slack).users_info(user="U1")["ok"]


def test_sliding_window_rate_limit(slack: SlackEmulator) -> None:
    slack.rate_limit("chat.postMessage", limit=2, period=0.5)
    web = client(slack)
    web.chat_postMessage(channel="C1", text="1")
    web.chat_postMessage(channel="C1", text="2")
    error = refused(web.chat_postMessage, channel="C1", text="3")
    assert error.response.status_code == 429 and int(error.response.headers["Retry-After"]) >= 1
    time.sleep(0.55)
    assert web.chat_postMessage(channel="C1", text="4")["ok"]
    assert [m["text"] for m in slack.messages("C1")] == ["1", "2", "4"]


# response URLs -------------------------------------------------------------------------
def test_response_url_records_posts(slack: SlackEmulator) -> None:
    url = slack.response_url()
    assert url.startswith(slack.url + "/response/")
    answer = WebhookClient(url).send(text="Declared INC-1", response_type="ephemeral")
    assert (answer.status_code, answer.body) == (200, "ok")
    assert slack.responses == [{"text": "Declared INC-1", "response_type": "ephemeral"}]
    assert httpx.post(slack.url + "/response/999", json={"text": "x"}).status_code == 404
