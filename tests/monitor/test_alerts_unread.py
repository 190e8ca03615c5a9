"""Declaring from a monitor alert when the monitor can't be read (404, 403, too slow), when
it is read slower than the form, and when the link only looks like Datadog's."""

from __future__ import annotations

import time

from bot.emulators.personas import INCIDENTS
from bot.emulators.slack.alerts import attachment_alert, text_alert
from bot.emulators.slack.inbound import text_value
from bot.emulators.stack import LocalStack
from tests.monitor.test_alerts import (
    US,
    cells,
    checkout_monitor,
    context_lines,
    initial,
    shortcut_on,
    submit_shown,
)

ROUTE = "GET /api/v1/monitor/{id}"
FROM_MESSAGE = "The form is filled from the alert message."


def test_a_deleted_monitor_404_still_declares_from_the_message(stack: LocalStack) -> None:
    monitor_id = checkout_monitor(stack)
    stack.datadog.delete_monitor(monitor_id)
    _, view = shortcut_on(stack, attachment_alert("Checkout 5xx", f"{US}/monitors/{monitor_id}"))
    reason = f"Datadog has no monitor {monitor_id} (deleted, or in another organization)"
    assert context_lines(view)[0] == f"Not read: {reason}. {FROM_MESSAGE}"
    assert initial(view, "title") == "Checkout 5xx"
    assert initial(view, "severity")["value"] == "UNKNOWN"
    body = submit_shown(stack, view["id"])
    # Markdown-escaped in the cell: "\(deleted, or in another organization\)".
    assert f"- Monitor details not read: Datadog has no monitor {monitor_id} \\(" in cells(body)[-1]


def test_without_monitors_read_403_the_form_says_which_scope(stack: LocalStack) -> None:
    monitor_id = checkout_monitor(stack)
    stack.datadog.permissions.discard("monitors_read")
    _, view = shortcut_on(stack, attachment_alert("Checkout 5xx", f"{US}/monitors/{monitor_id}"))
    reason = (
        f"monitor {monitor_id} was not read: the application key lacks monitors_read "
        "(add that scope to fill the form from monitors)"
    )
    assert context_lines(view)[0] == f"Not read: {reason}. {FROM_MESSAGE}"
    body = submit_shown(stack, view["id"])
    assert body["data"]["attributes"]["title"] == "Checkout 5xx"
    assert "lacks monitors\\_read" in cells(body)[-1]


def test_a_monitor_slower_than_the_form_fills_it_later_and_keeps_what_was_typed(
    stack: LocalStack,
) -> None:
    monitor_id = checkout_monitor(stack, priority=1, tags=())
    stack.datadog.latency[f"/api/v1/monitor/{monitor_id}"] = 0.6
    message = stack.slack.hold_message(
        INCIDENTS, attachment_alert("Checkout 5xx", f"{US}/monitors/{monitor_id}")
    )
    started = time.monotonic()
    assert stack.message_shortcut(message).status_code == 200
    opened = stack.opened_view()
    assert time.monotonic() - started < 0.5, "the form did not wait for the monitor"
    assert (
        context_lines(opened)[0] == f"Reading monitor {monitor_id} from Datadog to fill this form…"
    )
    assert initial(opened, "severity")["value"] == "UNKNOWN"
    assert not stack.slack.calls("/api/views.update")

    # The person types while the monitor is read.
    stack.slack.type_into(opened["id"], "title", "title", text_value("Checkout down in EU"))
    stack.slack.type_into(
        opened["id"], "summary", "summary", text_value("EU carts fail at payment")
    )
    (update,) = stack.slack.wait_for("/api/views.update", 1, timeout=5)
    (read,) = stack.datadog.calls(f"/api/v1/monitor/{monitor_id}")
    (open_call,) = stack.slack.calls("/api/views.open")
    assert read.received_at < open_call.received_at + 0.1, "the read started with the form"
    assert update.received_at >= read.received_at + 0.6, "updated once the monitor arrived"

    view = stack.current_view(opened["id"])
    assert context_lines(view)[0].startswith(f"Filled from Datadog monitor {monitor_id}")
    shown = stack.slack.shown_values(opened["id"])
    assert shown["title"]["title"]["value"] == "Checkout down in EU"
    assert shown["summary"]["summary"]["value"] == "EU carts fail at payment"
    assert shown["severity"]["severity"]["selected_option"]["value"] == "SEV-1"
    body = submit_shown(stack, opened["id"])
    attributes = body["data"]["attributes"]
    assert attributes["title"] == "Checkout down in EU"
    assert attributes["fields"]["severity"]["value"] == "SEV-1"
    assert cells(body)[0] == "EU carts fail at payment"


def test_a_monitor_that_does_not_answer_in_time(stack: LocalStack) -> None:
    stack.services.gateway.monitor_timeout = 0.3
    monitor_id = checkout_monitor(stack)
    stack.datadog.inject(ROUTE, delay=1.0)
    _, view = shortcut_on(stack, attachment_alert("Checkout 5xx", f"{US}/monitors/{monitor_id}"))
    reason = f"monitor {monitor_id} was not read: Datadog did not answer in time"
    assert context_lines(view)[0] == f"Not read: {reason}. {FROM_MESSAGE}"
    assert len(stack.datadog.calls(f"/api/v1/monitor/{monitor_id}")) == 1, "no retries"


def test_a_look_alike_host_is_a_link_to_nothing(stack: LocalStack) -> None:
    monitor_id = checkout_monitor(stack)
    looks = (
        f"https://evil.example\\@app.datadoghq.com/monitors/{monitor_id}",
        f"https://app.datadoghq.com@evil.example/monitors/{monitor_id}",
        f"https://app.datadoghq.com.evil.example/monitors/{monitor_id}",
        f"https://xn--pp-7ka.datadoghq.com/monitors/{monitor_id}",
    )
    text = "\n".join(f"<{url}|View monitor>" for url in looks)
    message = stack.slack.hold_message(INCIDENTS, text_alert("Checkout 5xx", looks[0], text))
    assert stack.message_shortcut(message).status_code == 200
    view = stack.opened_view()
    assert not any("monitor" in line.lower() for line in context_lines(view))
    body = submit_shown(stack, view["id"])
    assert not stack.datadog.calls(f"/api/v1/monitor/{monitor_id}")
    assert not stack.slack.calls("/api/views.update")[:-1], "only the result view, no fill"
    quote, provenance = cells(body)  # no monitor cell
    assert "[View monitor](https://app.datadoghq.com.evil.example/" in quote, "quoted as said"
    assert "Context:" not in provenance and "evil" not in provenance


def test_a_type_change_before_the_monitor_arrives_is_not_overwritten(stack: LocalStack) -> None:
    security = stack.datadog.add_incident_type("Security")
    monitor_id = checkout_monitor(stack, priority=1, tags=())
    stack.datadog.latency[f"/api/v1/monitor/{monitor_id}"] = 0.6
    message = stack.slack.hold_message(
        INCIDENTS, attachment_alert("Checkout 5xx", f"{US}/monitors/{monitor_id}")
    )
    assert stack.message_shortcut(message).status_code == 200
    opened = stack.opened_view()
    assert stack.choose(opened, "incident_type", security).status_code == 200
    stack.slack.wait_for("/api/views.update", 2, timeout=5)  # the type change, then the fill
    updates = stack.slack.calls_of("views.update")
    assert [u.get("hash") for u in updates] == [opened["hash"], opened["hash"]]
    view = stack.current_view(opened["id"])
    assert initial(view, "incident_type")["value"] == security, "the person's change stands"
    assert initial(view, "severity")["value"] == "UNKNOWN", "the late fill was refused"
