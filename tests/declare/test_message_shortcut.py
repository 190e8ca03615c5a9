"""Declaring from a message (the "Declare incident" message shortcut), end to end."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.emulators.personas import ALICE, BOB, GENERAL, INCIDENTS, PRIVATE, TEAM
from bot.emulators.slack.inbound import declare_form_values
from bot.emulators.stack import LocalStack
from bot.slack.declare.form.source_message import context_links, quote_of, title_of
from tests.declare.test_org_declare import assert_views_sent_round_trip
from tests.oracles import assert_datadog_create_body, assert_view_round_trips

MONITOR = "https://app.datadoghq.com/monitors/123"
DASHBOARD = "https://app.datadoghq.eu/dashboard/abc-def/checkout?from_ts=1"
NOTEBOOK = "https://app.datadoghq.com/notebook/42/triage"

ALERT = (
    "*Checkout 5xx spiking* & rising\n"
    f"See <{MONITOR}|the monitor> and {DASHBOARD}\n"
    "Also <https://example.com/runbook|the runbook>, cc <@U0BOB>"
)


def initial(view: dict[str, Any], block_id: str) -> str:
    block = next(b for b in view["blocks"] if b["block_id"] == block_id)
    return str(block["element"].get("initial_value", ""))


def post_alert(stack: LocalStack, channel: str = INCIDENTS) -> dict[str, Any]:
    attachment = {"title": "Notebook", "title_link": NOTEBOOK, "fallback": "Triage notebook"}
    return stack.post_message(ALERT, channel=channel, attachments=[attachment])


def submit_prefilled(stack: LocalStack, view: dict[str, Any], **form: Any) -> None:
    user = form.pop("user", ALICE)
    values = declare_form_values(
        title=initial(view, "title"),
        summary=initial(view, "summary"),
        commander=form.pop("commander", ALICE),
        **form,
    )
    answer = stack.submit(view, values, user=user).json()
    assert answer["response_action"] == "update", answer


def test_declare_from_a_message(stack: LocalStack) -> None:
    message = post_alert(stack)
    started = time.monotonic()
    assert stack.message_shortcut(message).status_code == 200
    view = stack.opened_view()
    assert stack.slack.calls("/api/views.open")[0].received_at - started < 1.5
    assert_view_round_trips({k: view[k] for k in ("type", "title", "blocks")})
    permalink = stack.slack.calls_of("chat.getPermalink")[0]
    assert permalink["message_ts"] == message["ts"]
    link = f"https://emulator.slack.com/archives/{INCIDENTS}/p{message['ts'].replace('.', '')}"

    assert initial(view, "title") == "Checkout 5xx spiking & rising"
    summary = initial(view, "summary")
    assert summary.startswith("> *Checkout 5xx spiking* & rising\n> See [the monitor](")
    assert "> Also [the runbook](https://example.com/runbook), cc @U0BOB" in summary
    assert summary.endswith(f"From Slack: {link}")

    # The Datadog user lookup for the default commander started when the form opened.
    stack.datadog.wait_for("/api/v2/users", timeout=3)
    submitted_at = time.monotonic()
    submit_prefilled(stack, view, severity="SEV-2")
    stack.wait_done()
    lookups = stack.datadog.calls("/api/v2/users")
    assert lookups and all(call.received_at < submitted_at for call in lookups)

    (body,) = stack.datadog.created_bodies()
    assert_datadog_create_body(body)
    cells = [c["content"]["content"] for c in body["data"]["attributes"]["initial_cells"]]
    assert cells[0] == summary
    provenance = cells[1]
    assert f"([open in Slack]({link}))" in provenance
    assert f"Source message: {link}" in provenance
    for url in (MONITOR, DASHBOARD, NOTEBOOK):
        assert f"Context: {url}" in provenance
    assert "example.com" not in provenance.split("Source message")[1]

    source, announcement, reply = stack.slack.messages(INCIDENTS)
    assert source["ts"] == message["ts"]
    assert announcement["thread_ts"] == message["ts"] and reply["thread_ts"] == message["ts"]
    assert "IR-1" in json.dumps(announcement["blocks"])
    record = stack.services.store.all()[0]
    assert record.delivered == "thread"
    assert record.source_key == f"{TEAM}:{INCIDENTS}:{message['ts']}"


def test_a_second_declaration_from_the_same_message_is_told_and_may_go_ahead(
    stack: LocalStack,
) -> None:
    message = post_alert(stack)
    stack.message_shortcut(message)
    submit_prefilled(stack, stack.opened_view())
    stack.wait_done()

    assert stack.message_shortcut(message, user=BOB).status_code == 200
    notice = stack.opened_view(count=2)
    assert notice["callback_id"] == "declare_modal_duplicate" and not notice.get("submit")
    assert_view_round_trips({k: notice[k] for k in ("type", "title", "close", "blocks")})
    text = notice["blocks"][0]["text"]["text"]
    assert "<https://app.datadoghq.com/incidents/1|IR-1> was already declared" in text
    assert "Checkout 5xx spiking" in text

    updates = len(stack.slack.calls("/api/views.update"))  # the first declaration's, earlier
    assert stack.press(notice, "declare_anyway", user=BOB).status_code == 200
    stack.slack.wait_for("/api/views.update", count=updates + 1)
    form = stack.current_view(notice["id"])
    assert form["callback_id"] == "declare_modal" and form["submit"]["text"] == "Declare"
    assert initial(form, "title") == "Checkout 5xx spiking & rising"
    assert "From Slack: https://emulator.slack.com/archives/" in initial(form, "summary")
    submit_prefilled(stack, form, commander=BOB, user=BOB)  # the form is Bob's
    stack.wait_done(2)

    first, second = stack.datadog.created_bodies()
    second_cells = json.dumps(second["data"]["attributes"]["initial_cells"])
    assert f"Context: {MONITOR}" in second_cells  # the links survived the notice
    threaded = [m for m in stack.slack.messages(INCIDENTS) if m.get("thread_ts") == message["ts"]]
    assert len(threaded) == 4  # two announcements and two replies, all in the message's thread
    assert len({r.source_key for r in stack.services.store.all()}) == 1
    assert_views_sent_round_trip(stack)


def test_a_message_in_a_channel_the_bot_is_not_in(stack: LocalStack) -> None:
    """The bot joins the public channel to reply in the message's thread."""
    stack.slack.add_channel(GENERAL, "general", is_member=True)  # to post the message...
    message = stack.post_message("db latency high", channel=GENERAL)
    stack.slack.add_channel(GENERAL, "general", is_member=False)  # ...then the bot is out
    stack.message_shortcut(message, channel=GENERAL)
    submit_prefilled(stack, stack.opened_view())
    stack.wait_done()
    assert stack.slack.calls_of("conversations.join")[0]["channel"] == GENERAL
    replies = [m for m in stack.slack.messages(GENERAL) if m.get("thread_ts")]
    assert len(replies) == 2 and {m["thread_ts"] for m in replies} == {message["ts"]}
    assert stack.services.store.all()[0].delivered == "thread"


def test_source_message_parsing() -> None:
    assert title_of("\n\n> *Disk full* on _db_primary_\nmore") == "Disk full on db_primary"
    assert title_of("<!here> <https://x.io|site> down") == "@here site down"
    assert quote_of("a\n\nb", "https://p") == "> a\n>\n> b\n\nFrom Slack: https://p"
    message = {
        "text": "see <https://app.datadoghq.com/monitors/1|m> https://app.datadoghq.com/monitors/1",
        "blocks": [
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "link", "url": "https://acme.datadoghq.com/notebook/9/x"},
                            {"type": "link", "url": "https://app.datadoghq.com/apm/services"},
                            {"type": "link", "url": "http://app.datadoghq.com/monitors/2"},
                            {"type": "link", "url": "https://datadoghq.com.evil.io/monitors/3"},
                        ],
                    }
                ],
            }
        ],
    }
    assert context_links(message) == (
        "https://app.datadoghq.com/monitors/1",
        "https://acme.datadoghq.com/notebook/9/x",
    )


def test_a_message_in_a_private_channel_the_bot_cannot_see(stack: LocalStack) -> None:
    """No permalink from Slack and no thread to post in: the link is built, the news goes by DM."""
    message = {"type": "message", "user": BOB, "ts": "1714570200.000100", "text": "VPN down"}
    stack.message_shortcut(message, channel=PRIVATE)
    view = stack.opened_view()
    link = f"https://emulator.slack.com/archives/{PRIVATE}/p1714570200000100"
    assert initial(view, "summary") == f"> VPN down\n\nFrom Slack: {link}"
    submit_prefilled(stack, view)
    stack.wait_done()
    record = stack.services.store.all()[0]
    assert record.step.value == "done" and record.delivered == "dm"
    announcement, reply = stack.slack.messages(ALICE)
    assert reply["thread_ts"] == announcement["ts"]  # the DM's own thread, not the source's


def test_malformed_payloads_are_answered_without_a_crash(stack: LocalStack) -> None:
    junk_view = {"id": None, "hash": 7, "private_metadata": "{not json", "state": "x"}
    payloads: list[dict[str, Any]] = [
        {"type": "message_action", "callback_id": "declare_from_message", "message": "text"},
        {
            "type": "message_action",
            "callback_id": "declare_from_message",
            "user": {"id": ALICE},
            "channel": {"id": INCIDENTS},
            "trigger_id": stack.slack.issue_trigger(),
            "message_ts": "1.2",
            "message": {"text": 5, "attachments": "nope", "blocks": [None, 3]},
            "team": "T",
        },
        {"type": "block_actions", "actions": [{"action_id": "incident_type"}], "view": junk_view},
        {"type": "block_actions", "actions": [{"action_id": "declare_anyway"}], "view": junk_view},
        {"type": "block_suggestion", "action_id": "udf:services", "value": None, "view": 3},
    ]
    for payload in payloads:
        response = stack.caller.interact(payload)
        assert response.status_code < 500, (payload, response.text)
    assert stack.slack.calls_of("views.update") == []
    assert stack.datadog.created_bodies() == []


def test_the_allowlist_applies_to_the_shortcut_too() -> None:
    with LocalStack(env={"DECLARE_ALLOWED_CHANNELS": INCIDENTS}) as stack:
        message = {"type": "message", "user": BOB, "ts": "1714570200.000100", "text": "db down"}
        assert stack.message_shortcut(message, channel=GENERAL).status_code == 200
        deadline = time.monotonic() + 3
        while not stack.slack.responses and time.monotonic() < deadline:
            time.sleep(0.02)
        (refusal,) = stack.slack.responses
        assert refusal["response_type"] == "ephemeral" and INCIDENTS in refusal["text"]
        assert stack.slack.calls_of("views.open") == []
