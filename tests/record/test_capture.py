"""Adding Slack messages to an incident, end to end over real HTTP against the emulators.

From the card's thread, from the incident's own channel, twice (one record, one link), and a
hostile message (`<!channel>`, `<@U…>`, 40 KB) that is kept and quoted without pinging anyone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from bot.domain.incident.journal import EntryKind
from bot.emulators.personas import ALICE, BOB, CAROL, INCIDENTS, TEAM
from bot.emulators.slack.inbound import block_actions, declare_form_values
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import CHORE_RETRY_ACTION
from bot.slack.common.mrkdwn import FALLBACK_MAX, SECTION_MAX
from bot.slack.record.capture import PICKER_UNREADABLE
from tests.app.test_socket_mode import slash, submit
from tests.card_actions import wait_for
from tests.channel.test_incident_channel import channel_stack, made
from tests.oracles import assert_blocks_round_trip
from tests.record.helpers import notes_in_thread, shortcut, the_card


@pytest.fixture(scope="module")
def declared() -> Iterator[LocalStack]:
    with LocalStack() as stack:
        stack.declare("Checkout API 5xx", severity="SEV-2", commander=BOB)
        stack.wait_done()
        yield stack


def links(stack: LocalStack, incident_id: str) -> list[dict[str, object]]:
    return [
        a["attributes"]["attachment"]
        for a in stack.datadog.attachments.get(incident_id, [])
        if a["attributes"]["attachment_type"] == "link"
    ]


def captured(stack: LocalStack, incident_id: str) -> list[object]:
    return [e for e in stack.services.journal.entries(incident_id) if e.kind is EntryKind.CAPTURED]


def test_a_message_in_the_card_thread_is_recorded_quoted_and_linked(declared: LocalStack) -> None:
    stack = declared
    card = the_card(stack)
    ts = stack.slack.post_as_user(
        INCIDENTS,
        BOB,
        "db primary at 100% CPU\nfailing over",
        thread_ts=card.thread_ts,
        files=["cpu.png"],
    )
    responses = len(stack.slack.responses)
    assert shortcut(stack, INCIDENTS, ts, user=ALICE).status_code == 200
    [note] = wait_for(lambda: notes_in_thread(stack, card, "db primary"), what="the note")
    assert note["blocks"][0]["text"]["text"].startswith(
        f"📌 added to *{card.shown.label}* by <@{ALICE}>"
    )
    assert (
        "*Bob Oncall* wrote:\n> db primary at 100% CPU\n> failing over"
        in note["blocks"][1]["text"]["text"]
    )
    assert "Files: cpu.png" in note["blocks"][1]["text"]["text"]
    assert_blocks_round_trip(note["blocks"])
    [link] = wait_for(lambda: links(stack, card.incident_id), what="the link in Datadog")
    permalink = stack.slack.calls_of("chat.getPermalink")[-1]
    assert permalink["message_ts"] == ts
    assert str(link["documentUrl"]).endswith(f"?thread_ts={card.thread_ts}&cid={INCIDENTS}")
    assert str(link["title"]).startswith("Slack: Bob Oncall: db primary at 100% CPU failing over")
    [entry] = [e for e in captured(stack, card.incident_id) if e.data["ts"] == ts]  # type: ignore[attr-defined]
    assert entry.actor_id == BOB and entry.data["added_by"] == ALICE  # type: ignore[attr-defined]
    assert entry.text == "db primary at 100% CPU\nfailing over\nFiles: cpu.png"  # type: ignore[attr-defined]
    assert entry.permalink == link["documentUrl"]  # type: ignore[attr-defined]
    told = wait_for(lambda: stack.slack.responses[responses:], what="the answer")
    assert told[0]["text"].startswith("📌 Added to")


def test_the_same_message_twice_is_one_record_and_one_link(declared: LocalStack) -> None:
    stack = declared
    card = the_card(stack)
    ts = stack.slack.post_as_user(INCIDENTS, CAROL, "rollback done", thread_ts=card.thread_ts)
    assert shortcut(stack, INCIDENTS, ts).status_code == 200
    wait_for(lambda: notes_in_thread(stack, card, "rollback done"), what="the note")
    responses = len(stack.slack.responses)
    assert shortcut(stack, INCIDENTS, ts, user=BOB).status_code == 200
    told = wait_for(lambda: stack.slack.responses[responses:], what="the second answer")
    assert told[0]["text"] == f"That message is already in {card.shown.label}'s record."
    assert len(notes_in_thread(stack, card, "rollback done")) == 1
    same = [a for a in links(stack, card.incident_id) if "rollback done" in str(a["title"])]
    assert len(same) == 1
    assert len([e for e in captured(stack, card.incident_id) if e.data["ts"] == ts]) == 1  # type: ignore[attr-defined]


def test_a_hostile_message_is_captured_safely(declared: LocalStack) -> None:
    stack = declared
    card = the_card(stack)
    hostile = "<!channel> <@U0BOB> look <https://evil.example|here> & " + "x" * 40_000
    ts = stack.slack.post_as_user(INCIDENTS, CAROL, hostile, thread_ts=card.thread_ts)
    assert shortcut(stack, INCIDENTS, ts).status_code == 200
    [note] = wait_for(lambda: notes_in_thread(stack, card, "look"), what="the note")
    assert_blocks_round_trip(note["blocks"])
    shown = "\n".join(b["text"]["text"] for b in note["blocks"] if "text" in b)
    assert "<!channel>" not in shown and "<@U0BOB>" not in shown and "<https://evil" not in shown
    assert "&lt;!channel&gt; &lt;@U0BOB&gt; look &lt;https://evil.example|here&gt; &amp;" in shown
    assert all(len(b["text"]["text"]) <= SECTION_MAX for b in note["blocks"] if "text" in b)
    assert all(b["text"].get("verbatim") for b in note["blocks"] if "text" in b)
    assert len(note["text"]) <= FALLBACK_MAX and "<!channel>" not in note["text"]
    [entry] = [e for e in captured(stack, card.incident_id) if e.data["ts"] == ts]  # type: ignore[attr-defined]
    assert entry.text.startswith(hostile[:100]) and len(entry.text) == 4000  # type: ignore[attr-defined]
    [link] = wait_for(
        lambda: [a for a in links(stack, card.incident_id) if "look" in str(a["title"])],
        what="the link",
    )
    assert len(str(link["title"])) <= 120
    # Datadog's title is plain text: no Slack markup, no Slack entities
    assert str(link["title"]).startswith(
        "Slack: Carol New: @channel @U0BOB look here (https://evil.example) & xxx"
    ), link["title"]


def test_a_message_in_the_incident_channel_is_added_and_elsewhere_a_picker_asks() -> None:
    stack = channel_stack()
    try:
        stack.declare("Payments down", severity="SEV-1", commander=BOB)
        stack.wait_done()
        [channel] = made(stack)
        card = the_card(stack)
        assert card.channel == channel["id"]
        ts = stack.slack.post_as_user(channel["id"], BOB, "vendor confirms outage")
        assert shortcut(stack, channel["id"], ts).status_code == 200
        wait_for(lambda: notes_in_thread(stack, card, "vendor confirms"), what="the note")
        wait_for(lambda: links(stack, card.incident_id), what="the link")
        # In #incidents, outside the card's thread, the incident is asked for.
        elsewhere = stack.slack.post_as_user(INCIDENTS, ALICE, "status page updated")
        views = len(stack.slack.views)
        assert shortcut(stack, INCIDENTS, elsewhere).status_code == 200
        picker = wait_for(lambda: list(stack.slack.views.values())[views:], what="the picker")[0]
        options = picker["blocks"][1]["element"]["options"]
        assert [o["value"] for o in options] == [card.key]
        values = {
            "incident": {"incident": {"type": "static_select", "selected_option": options[0]}}
        }
        response = stack.submit(picker, values)
        assert response.status_code == 200 and not response.content.strip(b" ")
        wait_for(lambda: notes_in_thread(stack, card, "status page updated"), what="the note")
        assert len(links(stack, card.incident_id)) == 2
    finally:
        stack.stop()


def test_a_pushpin_in_the_incident_channel_adds_the_message() -> None:
    stack = channel_stack(DECLARE_CAPTURE_REACTION=":pushpin:")
    try:
        stack.declare("Queue backlog", commander=BOB)
        stack.wait_done()
        [channel] = made(stack)
        card = the_card(stack)
        ts = stack.slack.post_as_user(channel["id"], BOB, "consumer lag 2h")
        stack.react(channel["id"], ts, "eyes", user=ALICE)  # another emoji: nothing
        stack.react(channel["id"], ts, "pushpin", user=ALICE)
        wait_for(lambda: notes_in_thread(stack, card, "consumer lag"), what="the note")
        assert stack.slack.calls_of("conversations.history")[-1]["latest"] == ts
        assert len(links(stack, card.incident_id)) == 1
        # In #incidents (not a channel the bot created) a pushpin means nothing.
        other = stack.slack.post_as_user(INCIDENTS, ALICE, "unrelated")
        stack.react(INCIDENTS, other, "pushpin", user=ALICE)
        time.sleep(0.3)  # what the bot would have done by now
        assert not notes_in_thread(stack, card, "unrelated")
        assert len(links(stack, card.incident_id)) == 1
    finally:
        stack.stop()


def test_a_pushpin_reaches_the_bot_over_socket_mode_too() -> None:
    """The same `reaction_added`, as an `events_api` envelope on the app's connection."""
    env = {"DECLARE_INCIDENT_CHANNEL": "always", "DECLARE_CAPTURE_REACTION": "pushpin"}
    with LocalStack(env=env, socket_mode=True) as stack:
        assert not slash(stack).payload  # /declare over the socket: the form opens
        view = stack.opened_view()
        submit(stack, view, declare_form_values(title="Cache stampede", commander=BOB))
        stack.wait_done()
        [channel] = made(stack)
        card = the_card(stack)
        ts = stack.slack.post_as_user(channel["id"], BOB, "warming the cache by hand")
        stack.react(channel["id"], ts, "pushpin", user=ALICE)
        wait_for(lambda: notes_in_thread(stack, card, "warming the cache"), what="the note")
        assert len(links(stack, card.incident_id)) == 1


def test_a_link_datadog_refused_is_told_with_retry_and_added_once(declared: LocalStack) -> None:
    stack = declared
    card = the_card(stack)
    route = "POST /api/v2/incidents/{incident_id}/attachments"
    stack.datadog.inject(route, status=403)
    ts = stack.slack.post_as_user(INCIDENTS, BOB, "cdn purge done", thread_ts=card.thread_ts)
    assert shortcut(stack, INCIDENTS, ts).status_code == 200
    told = wait_for(
        lambda: [e for e in stack.slack.ephemerals(INCIDENTS) if "Retry" in str(e["blocks"])],
        what="the failure, told",
    )[-1]
    assert "Couldn't add the message to the incident in Datadog" in told["text"] + str(
        told["blocks"]
    )
    assert not notes_in_thread(stack, card, "cdn purge")
    button = told["blocks"][-1]["elements"][0]
    assert button["action_id"] == CHORE_RETRY_ACTION
    payload = block_actions(
        CHORE_RETRY_ACTION,
        button["value"],
        user_id=ALICE,
        channel_id=INCIDENTS,
        response_url=stack.slack.response_url(),
        trigger_id=stack.slack.issue_trigger(),
        team_id=TEAM,
    )
    assert stack.caller.interact(payload).status_code == 200
    wait_for(lambda: notes_in_thread(stack, card, "cdn purge"), what="the note after Retry")
    purged = [a for a in links(stack, card.incident_id) if "cdn purge" in str(a["title"])]
    assert len(purged) == 1
    assert len([e for e in captured(stack, card.incident_id) if e.data["ts"] == ts]) == 1  # type: ignore[attr-defined]


def test_a_link_whose_answer_was_lost_is_looked_for_not_added_twice(declared: LocalStack) -> None:
    """Datadog adds the link, the answer never arrives: the chore lists the incident's links,
    finds the permalink, and keeps that one."""
    stack = declared
    card = the_card(stack)
    stack.datadog.inject("POST /api/v2/incidents/{incident_id}/attachments", lose_response=True)
    ts = stack.slack.post_as_user(INCIDENTS, BOB, "dns ttl lowered", thread_ts=card.thread_ts)
    assert shortcut(stack, INCIDENTS, ts).status_code == 200
    wait_for(lambda: notes_in_thread(stack, card, "dns ttl"), what="the note")
    lowered = [a for a in links(stack, card.incident_id) if "dns ttl" in str(a["title"])]
    assert len(lowered) == 1
    gets = stack.datadog.calls(method="GET")
    assert any(r.path.endswith("/attachments") for r in gets)  # it looked


@pytest.mark.parametrize("text", ["Ж" * 600 + " сервер упал", "🔥" * 900 + " on fire"])
def test_non_ascii_text_goes_through_the_picker(declared: LocalStack, text: str) -> None:
    """Cyrillic and emoji: the picker's metadata stays whole JSON within 3000 characters."""
    stack = declared
    card = the_card(stack)
    ts = stack.slack.post_as_user(INCIDENTS, CAROL, text)  # not in the thread: the picker
    views = len(stack.slack.views)
    assert shortcut(stack, INCIDENTS, ts).status_code == 200
    picker = wait_for(lambda: list(stack.slack.views.values())[views:], what="the picker")[0]
    metadata = picker["private_metadata"]
    assert len(metadata.encode("utf-16-le")) // 2 <= 3000
    assert json.loads(metadata)["m"]["ts"] == ts
    options = picker["blocks"][1]["element"]["options"]
    chosen = next(o for o in options if o["value"] == card.key)
    values = {"incident": {"incident": {"type": "static_select", "selected_option": chosen}}}
    response = stack.submit(picker, values)
    assert response.status_code == 200 and not response.content.strip(b" ")
    wait_for(lambda: notes_in_thread(stack, card, text[:20]), what="the note")
    [entry] = [e for e in captured(stack, card.incident_id) if e.data["ts"] == ts]  # type: ignore[attr-defined]
    assert entry.text.startswith(text[:100])  # type: ignore[attr-defined]


def test_an_unreadable_picker_is_told_as_such(declared: LocalStack) -> None:
    stack = declared
    card = the_card(stack)
    ts = stack.slack.post_as_user(INCIDENTS, CAROL, "picker me")
    views = len(stack.slack.views)
    assert shortcut(stack, INCIDENTS, ts).status_code == 200
    picker = wait_for(lambda: list(stack.slack.views.values())[views:], what="the picker")[0]
    options = picker["blocks"][1]["element"]["options"]
    chosen = next(o for o in options if o["value"] == card.key)
    values = {"incident": {"incident": {"type": "static_select", "selected_option": chosen}}}
    broken = {**picker, "private_metadata": picker["private_metadata"][:-5]}
    errors = stack.submit(broken, values).json()["errors"]
    assert errors["incident"] == PICKER_UNREADABLE


def test_a_pushpin_that_cannot_be_added_is_told_to_the_person() -> None:
    stack = channel_stack(DECLARE_CAPTURE_REACTION=":pushpin:")
    try:
        stack.declare("Queue backlog", commander=BOB)
        stack.wait_done()
        [channel] = made(stack)
        ts = stack.slack.post_as_user(channel["id"], BOB, "consumer lag 3h")
        stack.slack.inject("chat.getPermalink", "internal_error")
        stack.react(channel["id"], ts, "pushpin", user=ALICE)
        told = wait_for(
            lambda: [e for e in stack.slack.ephemerals(channel["id"]) if e["user"] == ALICE],
            what="the person told",
        )
        assert "wouldn't give this message's link" in told[-1]["text"]
        other = stack.slack.post_as_user(channel["id"], BOB, "consumer lag 4h")
        stack.slack.inject("conversations.history", "internal_error")  # unreadable
        stack.react(channel["id"], other, "pushpin", user=ALICE)
        wait_for(
            lambda: any(
                "couldn't read the message you reacted to" in e["text"]
                for e in stack.slack.ephemerals(channel["id"])
                if e["user"] == ALICE
            ),
            what="the unreadable message told",
        )
        assert not links(stack, the_card(stack).incident_id)
    finally:
        stack.stop()


def test_the_pickers_result_reaches_the_person_by_dm_when_ephemeral_fails(
    declared: LocalStack,
) -> None:
    stack = declared
    card = the_card(stack)
    ts = stack.slack.post_as_user(INCIDENTS, CAROL, "vendor ticket 4411 opened")
    views = len(stack.slack.views)
    assert shortcut(stack, INCIDENTS, ts).status_code == 200
    picker = wait_for(lambda: list(stack.slack.views.values())[views:], what="the picker")[0]
    options = picker["blocks"][1]["element"]["options"]
    chosen = next(o for o in options if o["value"] == card.key)
    values = {"incident": {"incident": {"type": "static_select", "selected_option": chosen}}}
    stack.slack.inject("chat.postEphemeral", "channel_not_found")
    assert stack.submit(picker, values).status_code == 200
    wait_for(
        lambda: [m for m in stack.slack.messages(ALICE) if "📌 Added to" in m.get("text", "")],
        what="the DM",
    )
