"""The monitor alert form's pure parts: context lines, field starting values, the metadata."""

from __future__ import annotations

from bot.domain.incident.declaration import Origin
from bot.domain.incident.org import Choice, FieldKind, IncidentType, OrgConfig, OrgField
from bot.domain.monitor.alert import AlertMessage, Monitor
from bot.domain.monitor.links import parse_monitor_link
from bot.slack.declare.form.metadata import METADATA_MAX, Metadata, decode, encode
from bot.slack.declare.form.org_fields import field_element
from bot.slack.declare.form.prefill import FormPrefill
from bot.slack.monitor.form import alert_source, filled_form, notices, opening_form
from tests.oracles import assert_view_round_trips

ORIGIN = Origin(team_id="T1", channel_id="C1", user_id="U1", trigger_id="1.2")
LINK = parse_monitor_link("https://app.datadoghq.com/monitors/42")
EU = parse_monitor_link("https://app.datadoghq.eu/monitors/43")
PERMALINK = "https://acme.slack.com/archives/C1/p1"
SERVICES = OrgField(
    name="services",
    display_name="Services",
    kind=FieldKind.AUTOCOMPLETE,
    choices=(Choice("checkout", "Checkout"), Choice("search", "Search")),
)
CONFIG = OrgConfig(types=(IncidentType("t1", "Default", True),), fields=(SERVICES,))


def alert(*links: object, status: str = "Triggered") -> AlertMessage:
    found = tuple(link for link in links if link is not None)
    return AlertMessage(links=found, primary=found[0], title="Checkout 5xx", status=status)  # type: ignore[arg-type]


def test_the_opening_form_says_what_is_being_read_and_the_links() -> None:
    source = alert_source(alert(LINK, EU), "datadoghq.com", PERMALINK)
    assert source.reading == LINK and source.not_read is None
    assert notices(source) == (
        "Reading monitor 42 from Datadog to fill this form…",
        "The timeline will get the monitor's details and links to monitor 42 "
        f"(https://app.datadoghq.com/monitors/42), monitor 43 "
        f"(https://app.datadoghq.eu/monitors/43) and the alert message ({PERMALINK}).",
    )
    view = opening_form(CONFIG, FormPrefill(commander_id="U1"), ORIGIN, source)
    assert_view_round_trips(view)
    assert view["blocks"][0]["elements"][0]["text"].startswith("Reading monitor 42")
    title = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == "Checkout 5xx"
    assert decode(view["private_metadata"]).monitor_cell.startswith("**Declared from Datadog")


def test_the_filled_form_keeps_every_id_and_starts_fields_from_tags() -> None:
    source = alert_source(alert(LINK, status="Recovered"), "datadoghq.com", PERMALINK)
    monitor = Monitor(id=42, name="Checkout", tags=("service:search", "env:prod"), priority=1)
    base = FormPrefill(commander_id="U1")
    opened = opening_form(CONFIG, base, ORIGIN, source)
    filled = filled_form(
        CONFIG, base, ORIGIN, source, monitor=monitor, not_read=None, severity_map={1: "SEV-1"}
    )
    assert_view_round_trips(filled)
    inputs = [
        (b["block_id"], b["element"]["action_id"]) for b in opened["blocks"] if "element" in b
    ]
    assert inputs == [
        (b["block_id"], b["element"]["action_id"]) for b in filled["blocks"] if "element" in b
    ]
    lines = [b["elements"][0]["text"] for b in filled["blocks"] if b["type"] == "context"]
    assert lines[0].startswith(":white_check_mark: This alert has already recovered")
    assert (
        lines[1] == "Filled from Datadog monitor 42: title, severity SEV-1 (P1), fields services."
    )
    assert lines[2] == "Monitor tags not matched to a field (kept in the timeline): env:prod"
    services = next(b for b in filled["blocks"] if b.get("block_id") == "udf:services")
    assert [o["value"] for o in services["element"]["initial_options"]] == ["search"]


def test_another_sites_monitor_is_not_read_and_says_why() -> None:
    source = alert_source(alert(EU), "datadoghq.com", PERMALINK)
    assert source.reading is None
    assert notices(source)[0] == (
        "Not read: monitor 43 is on datadoghq.eu; this bot's keys read datadoghq.com only. "
        "The form is filled from the alert message."
    )


def test_starting_values_by_kind() -> None:
    text = OrgField(name="root_cause", display_name="Root cause", kind=FieldKind.TEXTBOX)
    many = OrgField(name="runbooks", display_name="Runbooks", kind=FieldKind.TEXTARRAY)
    number = OrgField(name="customers", display_name="Customers", kind=FieldKind.NUMBER)
    assert field_element(text, ("db",))[0]["initial_value"] == "db"
    assert field_element(many, ("a", "b"))[0]["initial_value"] == "a\nb"
    assert field_element(number, ("12",))[0]["initial_value"] == "12"
    assert "initial_value" not in field_element(number, ("twelve",))[0]


def test_a_long_monitor_cell_is_shortened_first_to_fit_the_metadata() -> None:
    cell = "**Declared from Datadog monitor**\n\n" + '> runbook "line"\n' * 400
    meta = Metadata(origin=ORIGIN, context_links=("https://app.datadoghq.com/monitors/42",))
    text = encode(Metadata(origin=meta.origin, context_links=meta.context_links, monitor_cell=cell))
    assert len(text) <= METADATA_MAX
    back = decode(text)
    assert back.context_links == meta.context_links, "links are kept: the cell went first"
    assert back.monitor_cell.startswith("**Declared from Datadog monitor**")
    assert back.monitor_cell.endswith("…") and len(back.monitor_cell) < len(cell)
