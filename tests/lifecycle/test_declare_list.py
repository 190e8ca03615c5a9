"""`/declare list` over real HTTP: the open incidents, newest first, at most 20, with Update.

Incidents made outside Slack are created in the emulator directly (as in Datadog's UI);
one is declared through the bot so its Update button leads to the card's update modal.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from bot.domain.incident.state import IncidentView
from bot.emulators.personas import ALICE, BOB, INCIDENTS, TEAM
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import LIST_UPDATE_ACTION, UPDATE_CALLBACK
from bot.slack.common.signed_buttons import ButtonSigner
from bot.slack.declare import messages
from bot.slack.lifecycle.list_view import age, incident_list
from tests.oracles import assert_blocks_round_trip, assert_view_round_trips

SEARCH = "/api/v2/incidents/search"


def made_in_datadog(stack: LocalStack, title: str, severity: str = "SEV-3") -> dict[str, Any]:
    body = {
        "data": {
            "type": "incidents",
            "attributes": {
                "title": title,
                "customer_impacted": False,
                "fields": {"severity": {"type": "dropdown", "value": severity}},
            },
            "relationships": {
                "commander_user": {"data": {"type": "users", "id": stack.users[BOB]}}
            },
        }
    }
    return stack.datadog.declare(body)


def set_state(stack: LocalStack, incident: dict[str, Any], state: str) -> None:
    stack.datadog.edit_incident(
        incident["id"],
        by=stack.users[BOB],
        attributes={"fields": {"state": {"type": "dropdown", "value": state}}},
    )


def listed(stack: LocalStack, *, user: str = ALICE) -> dict[str, Any]:
    """Run `/declare list` and return the ephemeral answer posted to its response_url."""
    before = len(stack.slack.responses)
    response = stack.slash("list", user=user)
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 5
    while len(stack.slack.responses) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    answer = stack.slack.responses[-1]
    assert answer["response_type"] == "ephemeral"
    assert answer["text"]
    if "blocks" in answer:
        assert_blocks_round_trip(answer["blocks"])
    return answer


def rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in answer["blocks"] if b.get("accessory")]


def press_listed(stack: LocalStack, value: str, *, user: str = ALICE) -> httpx.Response:
    """Press an Update button of the (ephemeral) list, as Slack sends it."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM},
        "api_app_id": "A0DECLARE",
        "token": "unused-verification-token",
        "trigger_id": stack.slack.issue_trigger(),
        "team": {"id": TEAM, "domain": "emulator"},
        "container": {"type": "message", "channel_id": INCIDENTS, "is_ephemeral": True},
        "channel": {"id": INCIDENTS, "name": "incidents"},
        "response_url": stack.slack.response_url(),
        "actions": [
            {
                "action_id": LIST_UPDATE_ACTION,
                "block_id": "incident_list_x",
                "type": "button",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return stack.caller.interact(payload)


def test_the_list_shows_open_incidents_newest_first_at_most_20(stack: LocalStack) -> None:
    made = [made_in_datadog(stack, f"Outage {n}") for n in range(22)]
    set_state(stack, made[21], "resolved")  # the newest is over: not listed
    set_state(stack, made[20], "stable")
    hostile = made_in_datadog(stack, "<!channel> *pay* <https://evil.example|click> & more")
    searches = len(stack.datadog.calls(SEARCH))
    answer = listed(stack)
    assert len(stack.datadog.calls(SEARCH)) == searches + 1, "one search"
    query = stack.datadog.calls(SEARCH)[-1].query
    assert query["query"] == ["state:(active OR stable)"]
    assert query["sort"] == ["-created"]
    shown = rows(answer)
    assert len(shown) == 20
    assert len(answer["blocks"]) <= 50
    public = [int(r["text"]["text"].split("|IR-")[1].split(">")[0]) for r in shown]
    assert public == sorted(public, reverse=True), "newest first"
    assert public[0] == hostile["attributes"]["public_id"]
    assert made[21]["attributes"]["public_id"] not in public
    assert "the 20 newest are shown" in answer["blocks"][0]["text"]["text"]
    first = shown[0]["text"]["text"]
    assert "&lt;!channel&gt;" in first and "<!channel>" not in first
    assert "&lt;https://evil.example|click&gt; &amp; more" in first
    assert f"<https://app.datadoghq.com/incidents/{public[0]}|IR-{public[0]}>" in first
    assert "SEV-3 · Active · Bob Oncall · " in first and " ago" in first
    stable = next(r for r in shown if "Outage 20" in r["text"]["text"])["text"]["text"]
    assert "· Stable ·" in stable
    button = shown[0]["accessory"]
    assert button["action_id"] == LIST_UPDATE_ACTION
    assert button["text"]["text"] == "Update"
    assert button["value"].startswith(hostile["id"] + ".")


def test_update_from_the_list_opens_the_cards_update_modal(stack: LocalStack) -> None:
    assert stack.declare("Declared from Slack", severity="SEV-2").status_code == 200
    stack.wait_done()
    outside = made_in_datadog(stack, "Made in Datadog")
    answer = listed(stack)
    by_title = {r["text"]["text"].split("\n", 1)[1]: r["accessory"]["value"] for r in rows(answer)}
    opened = len(stack.slack.calls("/api/views.open"))
    assert press_listed(stack, by_title["Declared from Slack"]).status_code == 200
    view = stack.opened_view(count=opened + 1)
    assert view["callback_id"] == UPDATE_CALLBACK, view["title"]
    assert "Declared from Slack" in str(view["blocks"])
    # Not announced by the bot: no card to update, so it says where to go.
    assert press_listed(stack, by_title["Made in Datadog"]).status_code == 200
    view = stack.opened_view(count=opened + 2)
    assert f"IR-{outside['attributes']['public_id']} was not declared from Slack" in str(view)
    # A value the client rewrote (another incident's id) fails the signature.
    value = by_title["Made in Datadog"]
    forged = value.replace(outside["id"], "00000000-0000-0000-0000-000000000000")
    assert press_listed(stack, forged).status_code == 200
    view = stack.opened_view(count=opened + 3)
    assert "was not made by declare-bot" in str(view)
    for call in stack.slack.calls_of("views.open"):
        assert_view_round_trips(call["view"])


def test_an_empty_list_and_the_help_text(stack: LocalStack) -> None:
    answer = listed(stack)
    assert "No open incidents" in answer["text"]
    response = stack.slash("help")
    assert "`/declare list`" in response.text
    assert "`/declare list`" in messages.HELP_TEXT


def test_datadog_down_is_told_and_the_list_refuses_like_declaring(stack: LocalStack) -> None:
    stack.datadog.inject("GET /api/v2/incidents/search", status=403, times=5)
    answer = listed(stack)
    assert answer["text"].startswith("Couldn't list the open incidents:")
    assert "403" in answer["text"] or "permission" in answer["text"].lower()
    with LocalStack(env={"DECLARE_ALLOWED_CHANNELS": "C0ELSEWHERE"}) as elsewhere:
        searches = len(elsewhere.datadog.calls(SEARCH))
        response = elsewhere.slash("list")
        assert "can't be declared from this channel" in response.text
        assert len(elsewhere.datadog.calls(SEARCH)) == searches


def test_the_builder_keeps_slacks_limits_and_signs_each_button() -> None:
    signer = ButtonSigner("secret")
    now = time.time()
    from datetime import UTC, datetime, timedelta

    moment = datetime.fromtimestamp(now, UTC)
    views = [
        IncidentView(
            incident_id=f"inc-{n}",
            public_id=n,
            title="x" * 4000,
            created=moment - timedelta(minutes=n),
            url=f"https://app.datadoghq.com/incidents/{n}",
        )
        for n in range(1, 31)
    ]
    text, blocks = incident_list(views, signer, now=moment)
    assert_blocks_round_trip(blocks)
    assert len(blocks) == 22 and len(text) <= 3000
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b.get("text"))
    value = blocks[1]["accessory"]["value"]
    assert signer.verify(value) is not None and signer.verify(value).public_id == 1  # type: ignore[union-attr]
    assert ButtonSigner("other").verify(value) is None
    assert signer.verify("inc-1.2." + value.rsplit(".", 1)[1]) is None
    assert signer.verify("garbage") is None
    assert [age(moment - timedelta(seconds=s), moment) for s in (5, 120, 3900, 90000)] == [
        "5s",
        "2m",
        "1h 5m",
        "1d 1h",
    ]
