"""Declaring from a Datadog monitor alert, end to end over real HTTP: one test per shape.

Datadog's alerts are held in the Slack emulator as Datadog posts them; the person presses
the message shortcut, the form opens from the message, the bot reads the monitor from the
Datadog emulator and fills the form with views.update; what Slack would submit is
submitted (`shown_values`), and the create body is checked with the official models.
"""

from __future__ import annotations

from typing import Any

from bot.emulators.personas import ALICE, INCIDENTS
from bot.emulators.slack.alerts import attachment_alert, blocks_alert, text_alert
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import CONTEXT_LINKS
from tests.oracles import assert_datadog_create_body, assert_view_round_trips

US = "https://app.datadoghq.com"
RUNBOOK = "5xx above 2%.\nRunbook: https://wiki.example/checkout\nNotify @pagerduty-checkout"


def seed_fields(stack: LocalStack) -> None:
    """The default type's `services` and `teams` fields, as Datadog ships them."""
    for name, values in (("services", ("checkout", "search")), ("teams", ("payments", "search"))):
        stack.datadog.add_field(
            name, "autocomplete", valid_values=[{"value": value} for value in values]
        )


def checkout_monitor(stack: LocalStack, **overrides: Any) -> int:
    kwargs: dict[str, Any] = {
        "message": RUNBOOK,
        "tags": ("service:checkout", "team:payments", "env:prod"),
        "priority": 2,
    }
    return stack.datadog.add_monitor(
        overrides.pop("name", "[P2] Checkout 5xx on {{service.name}}"), **(kwargs | overrides)
    )


def shortcut_on(
    stack: LocalStack, content: dict[str, Any], *, updates: int = 1
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Hold the alert, press the shortcut; (the message, the form once `updates` arrived)."""
    message = stack.slack.hold_message(INCIDENTS, content)
    assert stack.message_shortcut(message).status_code == 200
    opened = stack.opened_view()
    if updates:
        stack.slack.wait_for("/api/views.update", updates)
    view = stack.current_view(opened["id"])
    assert_view_round_trips({k: view[k] for k in ("type", "title", "blocks")})
    return message, view


def context_lines(view: dict[str, Any]) -> list[str]:
    """The form's context lines (the block listing the context links aside)."""
    return [
        element["text"]
        for block in view["blocks"]
        if block["type"] == "context" and block.get("block_id") != CONTEXT_LINKS
        for element in block["elements"]
    ]


def initial(view: dict[str, Any], block_id: str) -> Any:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    for key in ("initial_value", "initial_option", "initial_options"):
        if key in element:
            return element[key]
    return None


def submit_shown(stack: LocalStack, view_id: str) -> dict[str, Any]:
    """Submit what the form shows (typed values, else initial ones); the create body."""
    view = stack.current_view(view_id)
    answer = stack.submit(view, stack.slack.shown_values(view_id)).json()
    assert answer["response_action"] == "update", answer
    stack.wait_done()
    (body,) = stack.datadog.created_bodies()
    assert_datadog_create_body(body)
    return body


def cells(body: dict[str, Any]) -> list[str]:
    return [c["content"]["content"] for c in body["data"]["attributes"]["initial_cells"]]


def permalink_of(message: dict[str, Any]) -> str:
    return f"https://emulator.slack.com/archives/{INCIDENTS}/p{message['ts'].replace('.', '')}"


def test_attachment_only_alert_gives_this_exact_create_body(stack: LocalStack) -> None:
    seed_fields(stack)
    monitor_id = checkout_monitor(stack)
    url = f"{US}/monitors/{monitor_id}?group=service%3Acheckout"
    message, view = shortcut_on(
        stack, attachment_alert("[P2] Checkout 5xx on checkout", url, "5xx rate is 3.1%")
    )
    assert message["text"] == "" and message["attachments"]
    assert context_lines(view) == [
        f"Filled from Datadog monitor {monitor_id}: title, severity SEV-2 (P2), "
        "fields services, teams.",
        "Monitor tags not matched to a field (kept in the timeline): env:prod",
        f"The timeline will get the monitor's details and links to monitor {monitor_id} "
        f"({US}/monitors/{monitor_id}) and the alert message ({permalink_of(message)}).",
    ]
    body = submit_shown(stack, view["id"])
    link = permalink_of(message)
    (record,) = stack.services.store.all()
    quote = (
        "> Triggered: [P2] Checkout 5xx on checkout\n> 5xx rate is 3.1%\n"
        f"> Triggered: [P2] Checkout 5xx on checkout {url}\n\nFrom Slack: {link}"
    )
    provenance = (
        f"Declared from Slack by u0alice in #incidents ([open in Slack]({link})).\n\n"
        f"Source message: {link}\n\nContext: {url}\n\nDeclaration key: `{record.key}`"
    )
    monitor_cell = (
        f"**Declared from Datadog monitor [\\[P2\\] Checkout 5xx on \\{{\\{{service.name\\}}\\}}]"
        f"({US}/monitors/{monitor_id})**\n\n"
        "- State when declared: **Alert**\n- Alert message says: **Triggered**\n"
        "- Alerting: `service:checkout`\n- Type: query alert\n\n"
        "Query:\n```\navg(last_5m):avg:system.cpu.user{env:prod} by {host} > 90\n```\n\n"
        f"Links: [Alert message in Slack]({link})\n\n"
        "Tags not matched to a field: `env:prod`\n\n"
        "Runbook (monitor message):\n> 5xx above 2%.\n> Runbook: https://wiki.example/checkout\n"
        "> Notify `@pagerduty-checkout`"
    )
    assert body == {
        "data": {
            "type": "incidents",
            "attributes": {
                "title": "Checkout 5xx on checkout",
                "customer_impacted": False,
                "fields": {
                    "severity": {"type": "dropdown", "value": "SEV-2"},
                    "services": {"type": "autocomplete", "value": ["checkout"]},
                    "teams": {"type": "autocomplete", "value": ["payments"]},
                },
                "initial_cells": [
                    {
                        "cell_type": "markdown",
                        "content": {"content": quote},
                        "important": False,
                    },
                    {"cell_type": "markdown", "content": {"content": provenance}},
                    {
                        "cell_type": "markdown",
                        "content": {"content": monitor_cell},
                        "important": True,
                    },
                ],
                "is_test": False,
            },
            "relationships": {
                "commander_user": {"data": {"type": "users", "id": stack.users[ALICE]}}
            },
        }
    }
    assert stack.datadog.calls(f"/api/v1/monitor/{monitor_id}")


def test_blocks_only_alert(stack: LocalStack) -> None:
    monitor_id = checkout_monitor(stack, priority=1, tags=())
    content = blocks_alert("[P1] Checkout 5xx on checkout", f"{US}/monitors/{monitor_id}")
    message, view = shortcut_on(stack, content)
    assert message["text"] == "" and "attachments" not in message
    assert initial(view, "title") == "Checkout 5xx on checkout"
    assert initial(view, "severity")["value"] == "SEV-1"
    body = submit_shown(stack, view["id"])
    assert body["data"]["attributes"]["fields"]["severity"]["value"] == "SEV-1"
    assert "Declared from Datadog monitor" in cells(body)[-1]


def test_text_only_alert(stack: LocalStack) -> None:
    monitor_id = checkout_monitor(stack, priority=3, tags=())
    content = text_alert("Checkout 5xx on checkout", f"{US}/monitors/{monitor_id}", "3.1%")
    _, view = shortcut_on(stack, content)
    assert initial(view, "title") == "Checkout 5xx on checkout"
    body = submit_shown(stack, view["id"])
    assert body["data"]["attributes"]["fields"]["severity"]["value"] == "SEV-3"
    assert body["data"]["attributes"]["title"] == "Checkout 5xx on checkout"


def test_eu_site_alert_is_read_by_an_eu_bot_and_not_by_a_us_one() -> None:
    with LocalStack(env={"DD_SITE": "datadoghq.eu"}) as stack:
        monitor_id = checkout_monitor(stack, tags=())
        url = f"https://app.datadoghq.eu/monitors/{monitor_id}"
        _, view = shortcut_on(stack, attachment_alert("Checkout 5xx", url))
        assert initial(view, "severity")["value"] == "SEV-2"
        assert context_lines(view)[0].startswith(f"Filled from Datadog monitor {monitor_id}")
    with LocalStack() as stack:
        monitor_id = checkout_monitor(stack, tags=())
        url = f"https://app.datadoghq.eu/monitors/{monitor_id}"
        _, view = shortcut_on(stack, attachment_alert("Checkout 5xx", url), updates=0)
        reason = f"monitor {monitor_id} is on datadoghq.eu; this bot's keys read datadoghq.com only"
        assert (
            context_lines(view)[0]
            == f"Not read: {reason}. The form is filled from the alert message."
        )
        assert not stack.slack.calls("/api/views.update"), "nothing to wait for: no update"
        body = submit_shown(stack, view["id"])
        assert not stack.datadog.calls(f"/api/v1/monitor/{monitor_id}")
        assert f"Monitor details not read: {reason}" in cells(body)[-1]
        assert body["data"]["attributes"]["title"] == "Checkout 5xx"


def test_custom_sub_domain_alert(stack: LocalStack) -> None:
    monitor_id = checkout_monitor(stack, tags=())
    url = f"https://acme.datadoghq.com/monitors/{monitor_id}#overview"
    _, view = shortcut_on(stack, attachment_alert("Checkout 5xx", url))
    assert initial(view, "severity")["value"] == "SEV-2"
    body = submit_shown(stack, view["id"])
    assert f"(https://acme.datadoghq.com/monitors/{monitor_id})**" in cells(body)[-1]


def test_two_monitor_links_first_alerting_wins_both_in_the_timeline(stack: LocalStack) -> None:
    recovered = stack.datadog.add_monitor("Disk full", priority=4, overall_state="OK")
    alerting = checkout_monitor(stack, priority=1, tags=())
    content = {
        "text": "",
        "attachments": [
            attachment_alert("Disk full", f"{US}/monitors/{recovered}", status="Recovered")[
                "attachments"
            ][0],
            attachment_alert("Checkout 5xx", f"{US}/monitors/{alerting}")["attachments"][0],
        ],
    }
    _, view = shortcut_on(stack, content)
    assert initial(view, "title") == "Checkout 5xx"
    assert initial(view, "severity")["value"] == "SEV-1"
    assert not stack.datadog.calls(f"/api/v1/monitor/{recovered}")
    assert f"monitor {recovered} ({US}/monitors/{recovered})" in context_lines(view)[-1]
    body = submit_shown(stack, view["id"])
    cell = cells(body)[-1]
    assert f"Checkout 5xx on \\{{\\{{service.name\\}}\\}}]({US}/monitors/{alerting})" in cell
    assert f"[Monitor {recovered}]({US}/monitors/{recovered})" in cell


def test_recovered_alert_says_so_at_the_top_and_still_declares(stack: LocalStack) -> None:
    monitor_id = checkout_monitor(stack, overall_state="OK", tags=())
    content = attachment_alert("Checkout 5xx", f"{US}/monitors/{monitor_id}", status="Recovered")
    _, view = shortcut_on(stack, content)
    assert view["blocks"][0]["type"] == "context"
    assert context_lines(view)[0] == (
        ":white_check_mark: This alert has already recovered (the message says Recovered). "
        "You can still declare an incident."
    )
    body = submit_shown(stack, view["id"])
    assert "- State when declared: **OK**" in cells(body)[-1]


def test_monitor_without_priority_keeps_the_default_severity(stack: LocalStack) -> None:
    monitor_id = checkout_monitor(stack, priority=None, tags=())
    _, view = shortcut_on(stack, attachment_alert("Checkout 5xx", f"{US}/monitors/{monitor_id}"))
    assert initial(view, "severity")["value"] == "UNKNOWN"
    assert context_lines(view)[0] == f"Filled from Datadog monitor {monitor_id}: title."
    body = submit_shown(stack, view["id"])
    assert body["data"]["attributes"]["fields"]["severity"]["value"] == "UNKNOWN"


def test_tags_fill_two_fields_and_the_rest_is_listed(stack: LocalStack) -> None:
    seed_fields(stack)
    tags = ("service:checkout", "service:search", "team:payments", "service:ghost", "env:prod")
    monitor_id = checkout_monitor(stack, tags=tags)
    _, view = shortcut_on(stack, attachment_alert("Checkout 5xx", f"{US}/monitors/{monitor_id}"))
    assert [o["value"] for o in initial(view, "udf:services")] == ["checkout", "search"]
    assert [o["value"] for o in initial(view, "udf:teams")] == ["payments"]
    assert context_lines(view)[1] == (
        "Monitor tags not matched to a field (kept in the timeline): service:ghost, env:prod"
    )
    body = submit_shown(stack, view["id"])
    fields = body["data"]["attributes"]["fields"]
    assert fields["services"]["value"] == ["checkout", "search"]
    assert fields["teams"]["value"] == ["payments"]
    assert "Tags not matched to a field: `service:ghost`, `env:prod`" in cells(body)[-1]
