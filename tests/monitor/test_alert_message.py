"""Reading Datadog alerts out of Slack messages: attachment-only, blocks-only, text-only."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.monitor.alert import AlertMessage
from bot.slack.monitor.alert import monitor_links, read_alert, status_line

MONITOR = "https://app.datadoghq.com/monitors/155844758"


def attachment_alert(title: str = "Triggered: High CPU on web-1", **extra: Any) -> dict[str, Any]:
    """Shaped like Datadog's Slack integration posts: empty text, content in an attachment."""
    attachment = {
        "fallback": f"{title} - {MONITOR}",
        "title": title,
        "title_link": MONITOR
        + "?group=host%3Aweb-1&from_ts=1700000000000&link_source=monitor_notif",
        "text": "CPU is above 90% on web-1\n@pagerduty-web",
        "color": "#e74c3c",
        **extra,
    }
    return {"type": "message", "subtype": "bot_message", "text": "", "attachments": [attachment]}


def test_attachment_only_alert() -> None:
    alert = read_alert(attachment_alert())
    assert alert.primary is not None
    assert alert.primary.monitor_id == 155844758 and alert.primary.url == MONITOR
    assert [link.url for link in alert.links] == [MONITOR]
    assert alert.title == "High CPU on web-1"
    assert alert.status == "Triggered" and not alert.recovered
    assert alert.groups == ("host:web-1",)


@pytest.mark.parametrize(
    ("title", "status", "rest", "group"),
    [
        ("Triggered: High CPU", "Triggered", "High CPU", None),
        ("Re-Triggered: High CPU", "Re-Triggered", "High CPU", None),
        ("Warn: Disk 80%", "Warn", "Disk 80%", None),
        ("Recovered: High CPU", "Recovered", "High CPU", None),
        ("[P1] Triggered: High CPU", "Triggered", "High CPU", None),
        ("Triggered: [P2] High CPU", "Triggered", "High CPU", None),
        (
            "[Triggered on {host:web-1,env:prod}] High CPU",
            "Triggered",
            "High CPU",
            "host:web-1,env:prod",
        ),
        ("Warn on {service:checkout}: Latency", "Warn", "Latency", "service:checkout"),
        ("*Re-No Data:* Heartbeat", "Re-No Data", "Heartbeat", None),
        ("triggered: lower case", "Triggered", "lower case", None),
    ],
)
def test_status_lines(title: str, status: str, rest: str, group: str | None) -> None:
    assert status_line(title) == (status, rest, group)


@pytest.mark.parametrize("line", ["High CPU", "Triggered High CPU", "[Triggered: x", "Trig: x"])
def test_lines_that_are_not_alert_titles(line: str) -> None:
    assert status_line(line) is None


def test_blocks_only_alert_with_rich_text_and_mrkdwn_links() -> None:
    message = {
        "subtype": "bot_message",
        "text": "",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Warn: Latency p99"}},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "See <https://acme.datadoghq.eu/monitors/9|the monitor>",
                },
            },
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {
                                "type": "link",
                                "url": "https://acme.datadoghq.eu/monitors/10?x=1",
                                "text": "other",
                            }
                        ],
                    }
                ],
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open"},
                        "url": "https://app.datadoghq.eu/monitors/11",
                    }
                ],
            },
        ],
    }
    alert = read_alert(message)
    assert [(link.host, link.monitor_id) for link in alert.links] == [
        ("acme.datadoghq.eu", 9),
        ("acme.datadoghq.eu", 10),
        ("app.datadoghq.eu", 11),
    ]
    assert alert.primary == alert.links[0] and alert.primary.site == "datadoghq.eu"
    assert (alert.status, alert.title) == ("Warn", "Latency p99")


def test_text_only_alert() -> None:
    message = {
        "text": "*Triggered: Checkout 5xx* &lt;ignored&gt;\n"
        "<https://us5.datadoghq.com/monitors/77?group=service%3Acheckout&amp;from_ts=1|View>",
    }
    alert = read_alert(message)
    assert alert.primary is not None and alert.primary.monitor_id == 77
    assert alert.primary.site == "us5.datadoghq.com"
    assert alert.title == "Checkout 5xx <ignored>"
    assert alert.groups == ("service:checkout",)


def test_two_monitor_links_first_alerting_wins() -> None:
    message = {
        "text": "",
        "attachments": [
            {"title": "Recovered: Disk full", "title_link": "https://app.datadoghq.com/monitors/1"},
            {"title": "Triggered: High CPU", "title_link": "https://app.datadoghq.com/monitors/2"},
            {"title": "Triggered: Memory", "title_link": "https://app.datadoghq.com/monitors/3"},
        ],
    }
    alert = read_alert(message)
    assert [link.monitor_id for link in alert.links] == [1, 2, 3]
    assert alert.primary is not None and alert.primary.monitor_id == 2
    assert (alert.status, alert.title) == ("Triggered", "High CPU")


def test_two_links_in_one_attachment_the_first_is_primary() -> None:
    alert = read_alert(
        attachment_alert(text="Related: https://app.datadoghq.com/monitors/5, see also")
    )
    assert [link.monitor_id for link in alert.links] == [155844758, 5]
    assert alert.primary is not None and alert.primary.monitor_id == 155844758


def test_recovered_alert() -> None:
    alert = read_alert(attachment_alert("Recovered: High CPU on web-1"))
    assert alert.recovered and alert.status == "Recovered"
    assert alert.primary is not None and alert.primary.monitor_id == 155844758


def test_link_only_in_fallback_or_text() -> None:
    message = {
        "attachments": [
            {"fallback": "Triggered: Queue depth https://app.datadoghq.com/monitors/31."}
        ]
    }
    alert = read_alert(message)
    assert alert.primary is not None and alert.primary.monitor_id == 31
    assert alert.title.startswith("Queue depth")


def test_look_alike_hosts_are_not_monitors() -> None:
    message = attachment_alert()
    message["attachments"][0]["title_link"] = (
        "https://evil.example\\@app.datadoghq.com/monitors/123"
    )
    message["attachments"][0]["fallback"] = (
        "Triggered: x <https://user@app.datadoghq.com/monitors/4>"
    )
    message["attachments"][0]["text"] = (
        "https://аpp.datadoghq.com/monitors/5 https://app.datadoghq.com:8443/monitors/6"
    )
    alert = read_alert(message)
    assert alert.links == () and alert.primary is None
    assert alert.status == "Triggered"  # the message still reads as an alert, linking to nothing


def test_messages_without_monitors() -> None:
    assert read_alert({}) == AlertMessage()
    assert (
        read_alert({"text": "lunch?", "attachments": "nope", "blocks": {"x": 1}}) == AlertMessage()
    )
    dashboard = read_alert({"text": "https://app.datadoghq.com/dashboard/abc"})
    assert dashboard.links == ()


def test_hostile_shapes_are_bounded() -> None:
    deep: Any = "https://app.datadoghq.com/monitors/1"
    for _ in range(100):
        deep = {"elements": [deep]}
    assert read_alert({"blocks": [deep]}).links == ()
    many = " ".join(f"https://app.datadoghq.com/monitors/{i}" for i in range(1, 100))
    alert = read_alert({"text": many})
    assert len(alert.links) == 10 and alert.primary is not None and alert.primary.monitor_id == 1
    assert monitor_links([f"<{MONITOR}|x> {MONITOR}"]) == alert.links[:0] + monitor_links([MONITOR])


def test_linked_bold_title_in_a_section() -> None:
    message = {
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*<{MONITOR}?group=host%3Aa|[P1] Triggered: CPU>*",
                },
            }
        ]
    }
    alert = read_alert(message)
    assert (alert.status, alert.title, alert.groups) == ("Triggered", "CPU", ("host:a",))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=80) | st.sampled_from([MONITOR]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from(["text", "attachments", "blocks", "subtype"]), json_values))
def test_any_message_shape_reads_without_error(message: dict[str, Any]) -> None:
    alert = read_alert(message)
    assert len(alert.links) <= 10
    assert alert.primary is None or alert.primary in alert.links or len(alert.links) == 10
