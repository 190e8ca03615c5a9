"""Monitors are read only for an app's message (Datadog's alert), never for a link a person
pasted: otherwise any member could have the bot read any monitor's name, tags and priority
with its keys. DECLARE_MONITOR_FROM_ANY_MESSAGE=true lifts that.
"""

from __future__ import annotations

import json

from bot.emulators.personas import BOB, INCIDENTS
from bot.emulators.slack.alerts import DATADOG_BOT_ID, attachment_alert
from bot.emulators.slack.state import BOT_ID
from bot.emulators.stack import LocalStack
from bot.slack.monitor.alert import posted_by_app, read_alert
from tests.conftest import shared_path
from tests.monitor.test_alerts import US, cells, checkout_monitor, context_lines, submit_shown

NOT_READ = "Monitor {id} was not read: monitor details are read only from alerts posted by Datadog."


def test_who_posted_a_message_from_slacks_own_payloads(stack: LocalStack) -> None:
    fixture = shared_path("slack", "fixtures", "bolt_shortcut__message_shortcut_body.json")
    persons = json.loads(fixture.read_text())["message"]  # user, client_msg_id: a person
    assert not posted_by_app(persons)
    alert = stack.slack.hold_message(INCIDENTS, attachment_alert("CPU", f"{US}/monitors/1"))
    assert posted_by_app(alert) and posted_by_app(alert, own_bot_id=BOT_ID)
    assert not posted_by_app({**alert, "bot_id": BOT_ID}, own_bot_id=BOT_ID)
    assert posted_by_app({"subtype": "bot_message", "text": "x"})
    assert posted_by_app({"app_id": "A1", "user": "U1", "text": "x"})
    assert read_alert(alert).posted_by_app and alert["bot_id"] == DATADOG_BOT_ID


def test_a_persons_message_naming_a_monitor_opens_the_form_without_reading_it(
    stack: LocalStack,
) -> None:
    monitor_id = checkout_monitor(stack)
    link = f"{US}/monitors/{monitor_id}"
    message = stack.slack.hold_person_message(INCIDENTS, BOB, f"Checkout looks broken\n{link}")
    assert stack.message_shortcut(message).status_code == 200
    view = stack.opened_view()
    assert context_lines(view) == [NOT_READ.format(id=monitor_id)]
    body = submit_shown(stack, view["id"])
    assert body["data"]["attributes"]["title"] == "Checkout looks broken"  # from the message
    assert not stack.datadog.calls(f"/api/v1/monitor/{monitor_id}"), "the monitor was read"
    assert "Checkout 5xx" not in json.dumps(body), "the monitor's name reached the incident"
    assert f"Context: {link}" in cells(body)[-1], "the link still goes in the timeline"


def test_this_bots_own_message_is_not_an_alert(stack: LocalStack) -> None:
    """Its announcements and replies repeat what people typed, links included."""
    monitor_id = checkout_monitor(stack)
    message = stack.post_message(f"Incident: {US}/monitors/{monitor_id}")
    assert message["bot_id"] == BOT_ID
    assert stack.message_shortcut(message).status_code == 200
    view = stack.opened_view()
    assert context_lines(view) == [NOT_READ.format(id=monitor_id)]
    submit_shown(stack, view["id"])
    assert not stack.datadog.calls(f"/api/v1/monitor/{monitor_id}")


def test_the_setting_reads_monitors_from_any_message() -> None:
    with LocalStack(env={"DECLARE_MONITOR_FROM_ANY_MESSAGE": "true"}) as stack:
        assert stack.settings.monitor_from_any_message
        monitor_id = checkout_monitor(stack)
        text = f"Checkout looks broken\n{US}/monitors/{monitor_id}"
        message = stack.slack.hold_person_message(INCIDENTS, BOB, text)
        assert stack.message_shortcut(message).status_code == 200
        opened = stack.opened_view()
        stack.slack.wait_for("/api/views.update")
        lines = context_lines(stack.current_view(opened["id"]))
        assert lines[0].startswith(f"Filled from Datadog monitor {monitor_id}")
        assert len(stack.datadog.calls(f"/api/v1/monitor/{monitor_id}")) == 1
