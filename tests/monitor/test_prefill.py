"""From a monitor and its alert to the form's values: title, severity, fields, timeline."""

from __future__ import annotations

import time

import pytest

from bot.datadog.models import (
    IncidentCreateAttributes,
    IncidentCreateData,
    IncidentCreateRequest,
    MarkdownCell,
    MarkdownContent,
)
from bot.domain.incident.org import Choice, FieldKind, OrgField
from bot.domain.monitor.alert import (
    DEFAULT_MONITOR_SEVERITY,
    MONITOR_NAME_MAX,
    AlertMessage,
    Monitor,
    MonitorSeverityError,
    monitor_to_read,
    not_read_reason,
    parse_monitor_severity,
    unknown_severities,
)
from bot.domain.monitor.links import parse_monitor_link
from bot.domain.monitor.prefill import choose_severity, match_tags, prefill, render_name
from tests.oracles import assert_datadog_create_body

SEVERITY = parse_monitor_severity(DEFAULT_MONITOR_SEVERITY)
LINK = parse_monitor_link("https://app.datadoghq.com/monitors/42?group=host%3Aweb-1")
assert LINK is not None
ALERT = AlertMessage(links=(LINK,), primary=LINK, title="", status="Triggered")
FIELDS = (
    OrgField(name="services", display_name="Services", kind=FieldKind.AUTOCOMPLETE),
    OrgField(
        name="teams",
        display_name="Teams",
        kind=FieldKind.MULTISELECT,
        choices=(Choice("payments", "Payments"), Choice("search", "Search")),
    ),
    OrgField(name="region", display_name="Region", kind=FieldKind.DROPDOWN),
    OrgField(name="cost", display_name="Cost", kind=FieldKind.NUMBER),
    OrgField(name="severity", display_name="Severity", kind=FieldKind.DROPDOWN),
)


def monitor(**changes: object) -> Monitor:
    base: dict[str, object] = {
        "id": 42,
        "name": "[P1] High CPU on {{host.name}}",
        "message": "CPU is high.\nRunbook: https://wiki.example/cpu\nNotify: @pagerduty-web",
        "query": "avg(last_5m):avg:system.cpu.user{*} by {host} > 90",
        "type": "metric alert",
        "tags": ("service:checkout", "team:payments", "env:prod"),
        "priority": 2,
        "overall_state": "Alert",
    }
    base.update(changes)
    return Monitor(**base)  # type: ignore[arg-type]


def test_severity_setting_default_and_errors() -> None:
    assert SEVERITY == {1: "SEV-1", 2: "SEV-2", 3: "SEV-3", 4: "SEV-4", 5: "SEV-5"}
    assert parse_monitor_severity(" 1 : SEV-1 , 2:SEV-1 ") == {1: "SEV-1", 2: "SEV-1"}
    assert parse_monitor_severity("") == {}
    for bad, says in [
        ("1:SEV-1,,2:SEV-2", "empty entry"),
        ("1=SEV-1", "not priority:severity"),
        ("1:", "not priority:severity"),
        ("6:SEV-5", "1 to 5"),
        ("P1:SEV-1", "1 to 5"),
        ("1:SEV-1,1:SEV-2", "twice"),
        ("1:SEV:1", "severity value"),
    ]:
        with pytest.raises(MonitorSeverityError, match=says):
            parse_monitor_severity(bad)
    assert unknown_severities({1: "SEV-1", 2: "P2"}, ("SEV-1", "SEV-2")) == ["P2"]


def test_title_drops_priority_tag_and_unrendered_variables() -> None:
    assert render_name("[P1] High CPU on {{host.name}}") == "High CPU"
    assert render_name("[p3]  Disk {{device.name}} full on {{host.name}}") == "Disk full"
    assert render_name("{{host.name}}: checkout 5xx") == "checkout 5xx"
    assert render_name("High CPU on {{host.name}}", ["host:web-1"]) == "High CPU on web-1"
    assert render_name("Errors {{#is_alert}}high{{/is_alert}}") == "Errors high"
    assert render_name("x" * 400).endswith("…") and len(render_name("x" * 400)) == 250
    assert render_name("Latency for {{service.name}} in {{env}}") == "Latency"
    assert render_name("Errors ON {{host.name}} -") == "Errors"
    assert render_name("on {{host.name}}") == "on"  # the first word is never dangling
    assert render_name("Disk full on {{x}} online") == "Disk full on online"
    result = prefill(ALERT, monitor(), severity_map=SEVERITY)
    assert result.title == "High CPU on web-1"  # the link named the group


def test_an_adversarial_monitor_name_is_rendered_in_linear_time() -> None:
    """A 60 KB name of dangling words that do not end it once took 31 s (a regex anchored at
    `$`, retried from every word); names are now cut to MONITOR_NAME_MAX and walked once."""
    name = "x{{a}}" + " on" * 20_000 + " x"
    started = time.perf_counter()
    title = render_name(name)
    assert time.perf_counter() - started < 0.5
    assert title == "x"  # the cut ends the name in dangling words, which go
    long_tail = "Disk full on {{host.name}}" + " " * MONITOR_NAME_MAX + "end"
    assert render_name(long_tail) == "Disk full"  # past the cut, nothing is read


def test_rendered_attachment_title_wins() -> None:
    alert = AlertMessage(links=(LINK,), primary=LINK, title="[P1] High CPU on web-7")
    assert prefill(alert, monitor(), severity_map=SEVERITY).title == "High CPU on web-7"


def test_severity_from_priority_and_none_keeps_default() -> None:
    assert prefill(ALERT, monitor(), severity_map=SEVERITY).severity == "SEV-2"
    assert prefill(ALERT, monitor(priority=None), severity_map=SEVERITY).severity is None
    assert choose_severity(monitor(priority=5), {1: "SEV-1"}) is None
    assert choose_severity(monitor(priority=1), SEVERITY, ("SEV-2",)) is None
    assert choose_severity(None, SEVERITY) is None


def test_tags_fill_two_fields_and_one_is_listed() -> None:
    result = prefill(ALERT, monitor(), severity_map=SEVERITY, fields=FIELDS)
    assert dict(result.fields) == {"services": ("checkout",), "teams": ("payments",)}
    assert result.unmatched_tags == ("env:prod",)
    assert "`env:prod`" in result.timeline


def test_tag_matching_rules() -> None:
    values, unmatched = match_tags(
        [
            "services:cart",
            "service:checkout",
            "Team:Search",  # matched to the choice's value, case-insensitively
            "team:marketing",  # not an option of teams
            "region:eu",
            "region:us",  # a dropdown takes one value
            "cost:12.5",
            "cost:lots",
            "severity:SEV-1",  # the form handles severity itself
            "urgent",
            "service:",
            "service:checkout",
        ],
        FIELDS,
    )
    assert values == {
        "services": ("cart", "checkout"),
        "teams": ("search",),
        "region": ("eu",),
        "cost": ("12.5",),
    }
    assert unmatched == (
        "team:marketing",
        "region:us",
        "cost:lots",
        "severity:SEV-1",
        "urgent",
        "service:",
    )
    by_display = OrgField(name="svc", display_name="Service", kind=FieldKind.TEXTBOX)
    assert match_tags(["services:a"], [by_display])[0] == {"svc": ("a",)}
    classes = OrgField(name="classes", display_name="Classes", kind=FieldKind.TEXTARRAY)
    assert match_tags(["class:x"], [classes])[0] == {"classes": ("x",)}
    when = OrgField(name="start", display_name="Start", kind=FieldKind.DATETIME)
    assert match_tags(["start:now"], [when]) == ({}, ("start:now",))


def test_recovered_from_alert_or_state() -> None:
    assert not prefill(ALERT, monitor(), severity_map=SEVERITY).recovered
    assert prefill(ALERT, monitor(overall_state="OK"), severity_map=SEVERITY).recovered
    recovered = AlertMessage(links=(LINK,), primary=LINK, status="Recovered")
    assert prefill(recovered, monitor(), severity_map=SEVERITY).recovered
    assert prefill(recovered, None, severity_map=SEVERITY).recovered


def test_timeline_names_state_groups_query_links_and_quotes_runbook() -> None:
    other = parse_monitor_link("https://app.datadoghq.com/monitors/43")
    assert other is not None
    alert = AlertMessage(
        links=(LINK, other), primary=LINK, status="Triggered", groups=("host:web-1",)
    )
    cell = prefill(
        alert,
        monitor(),
        severity_map=SEVERITY,
        message_link="https://acme.slack.com/archives/C1/p1700000000000100",
    ).timeline
    assert cell.startswith(
        "**Declared from Datadog monitor [\\[P1\\] High CPU on \\{\\{host.name\\}\\}]"
        "(https://app.datadoghq.com/monitors/42)**"
    )
    assert "**\n\n- State when declared: **Alert**\n- Alert message says: **Triggered**\n" in cell
    assert "\n- Alerting: `host:web-1`\n" in cell
    assert "```\navg(last_5m):avg:system.cpu.user{*} by {host} > 90\n```" in cell
    assert "[Alert message in Slack](https://acme.slack.com/archives/C1/p1700000000000100)" in cell
    assert "[Monitor 43](https://app.datadoghq.com/monitors/43)" in cell
    assert "> CPU is high.\n> Runbook: https://wiki.example/cpu\n> Notify: `@pagerduty-web`" in cell


def test_timeline_without_monitor_says_why() -> None:
    cell = prefill(
        ALERT, None, severity_map=SEVERITY, not_read="403: the key lacks monitors_read"
    ).timeline
    assert "- Alert message says: **Triggered**" in cell
    assert "- Monitor details not read: 403: the key lacks monitors\\_read" in cell
    assert "Query" not in cell


def test_hostile_monitor_text_stays_inert_and_bounded() -> None:
    hostile = monitor(
        name="](https://evil.example) <script> **x**",
        query="a ``` b ```` c",
        message="\n".join(f"line {i} @here @team-{i} mail me@x.io @a@b.io" for i in range(500)),
        tags=tuple(f"k{i}:`v`{i}" for i in range(150)),
    )
    cell = prefill(
        ALERT, hostile, severity_map=SEVERITY, message_link="javascript:alert(1)"
    ).timeline
    assert "[\\]\\(https://evil.example\\) \\<script\\> \\*\\*x\\*\\*]" in cell
    assert "`````\na ``` b ```` c\n`````" in cell
    assert "javascript" not in cell
    assert " @here" not in cell and "`@here`" in cell and " me@x.io" in cell
    assert "`@a@b.io`" in cell
    assert "line 29 " in cell and "line 30 " not in cell
    assert "and 80 more" in cell and "`k0:'v'0`" in cell
    assert len(cell) <= 6000
    huge = monitor(message="x" * 50_000, query="q" * 50_000, name="n" * 5000)
    cell = prefill(ALERT, huge, severity_map=SEVERITY).timeline
    assert len(cell) <= 6000 and cell.count("```") == 2


def test_runbook_images_and_html_are_shown_as_text() -> None:
    found = monitor(message="![x](https://tracker.example/p.png) <img src=x> <b>bold</b> a < b")
    cell = prefill(ALERT, found, severity_map=SEVERITY).timeline
    assert "> !\\[x](https://tracker.example/p.png) \\<img src=x> \\<b>bold\\</b> a < b" in cell


def test_timeline_cell_goes_into_a_create_body_the_official_model_accepts() -> None:
    cell = prefill(ALERT, monitor(), severity_map=SEVERITY, fields=FIELDS).timeline
    body = IncidentCreateRequest(
        data=IncidentCreateData(
            attributes=IncidentCreateAttributes(
                title="High CPU",
                customer_impacted=False,
                initial_cells=[MarkdownCell(content=MarkdownContent(content=cell), important=True)],
            )
        )
    ).to_wire()
    assert_datadog_create_body(body)


def test_which_monitor_is_read_and_why_not() -> None:
    eu = parse_monitor_link("https://acme.datadoghq.eu/monitors/9")
    assert eu is not None
    assert monitor_to_read(ALERT, "datadoghq.com") == (LINK, None)
    assert monitor_to_read(AlertMessage(), "datadoghq.com") == (None, None)
    link, why = monitor_to_read(AlertMessage(links=(eu,), primary=eu), "datadoghq.com")
    assert (
        link is None
        and why == "monitor 9 is on datadoghq.eu; this bot's keys read datadoghq.com only"
    )
    assert "lacks monitors_read" in not_read_reason(9, 403)
    assert "no monitor 9" in not_read_reason(9, 404)
    assert "in time" in not_read_reason(9, None)
    assert "answered 500" in not_read_reason(9, 500)
