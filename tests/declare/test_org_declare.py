"""Org-aware declaring end to end: the form follows the org's Datadog types and fields.

Real bot over real HTTP; the Datadog emulator serves the types and user-defined fields
and checks the create body with the official client models and its field rules.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import pytest

from bot.emulators.personas import ALICE
from bot.emulators.slack.inbound import declare_form_values, option_value, options_value, text_value
from bot.emulators.stack import LocalStack
from tests.oracles import assert_datadog_create_body, assert_view_round_trips

TYPES = "/api/v2/incidents/config/types"
FIELDS = "/api/v2/incidents/config/user-defined-fields"


@dataclass
class Org:
    default: str
    security: str


def one(block_id: str, element: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block_id: {block_id: element}}


@pytest.fixture
def org(stack: LocalStack) -> Org:
    """Two types; the default has one field of every kind, Security has two of its own."""
    emu = stack.datadog
    default = emu.default_type_id
    security = emu.add_incident_type("Security", description="Security incidents")

    def add(name: str, kind: str, ordinal: str, **kw: Any) -> None:
        emu.add_field(name, kind, incident_type_id=default, ordinal=ordinal, **kw)

    add("regions", "multiselect", "1", valid_values=[{"value": "eu"}, {"value": "us"}])
    add(
        "team",
        "dropdown",
        "2",
        required=True,
        default_value="payments",
        valid_values=[
            {"value": "payments", "display_name": "Payments"},
            {"value": "checkout", "display_name": "Checkout squad"},
        ],
    )
    add(
        "services",
        "autocomplete",
        "3",
        valid_values=[{"value": f"svc-{i}", "display_name": f"Service {i}"} for i in range(150)],
    )
    add("root_cause", "textbox", "4", default_value="unknown yet")
    add("runbooks", "textarray", "5")
    add("customers", "number", "6")
    add("started", "datetime", "7")
    add("tags", "metrictag", "8")
    emu.add_field(
        "threat_level",
        "dropdown",
        incident_type_id=security,
        required=True,
        valid_values=[{"value": "low"}, {"value": "high"}],
    )
    emu.add_field("cve", "textbox", incident_type_id=security)
    return Org(default=default, security=security)


def assert_views_sent_round_trip(stack: LocalStack) -> None:
    """Every view the bot sent survives slack_sdk's models unchanged, metadata within limits."""
    for method in ("views.open", "views.update"):
        for call in stack.slack.calls_of(method):
            assert_view_round_trips(call["view"])
            assert len(call["view"].get("private_metadata", "")) <= 3000
            assert len(call["view"]["blocks"]) <= 100


def udf_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["block_id"].startswith("udf:")]


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b["block_id"] == block_id)


def default_type_answers(org: Org) -> dict[str, Any]:
    return {
        **one("incident_type", option_value(org.default)),
        **one("udf:regions", options_value(["eu", "us"])),
        **one("udf:team", option_value("checkout")),
        **one("udf:services", options_value(["svc-7"], "multi_external_select")),
        **one("udf:root_cause", text_value("bad deploy")),
        **one("udf:runbooks", text_value("https://wiki/a\n\nhttps://wiki/b\n")),
        **one("udf:customers", {"type": "number_input", "value": "1200"}),
        **one("udf:started", {"type": "datetimepicker", "selected_date_time": 1714570200}),
        **one("udf:tags", text_value("env:prod\nregion:eu")),
    }


def test_the_form_follows_the_org_and_the_answers_reach_datadog(
    stack: LocalStack, org: Org
) -> None:
    assert stack.slash().status_code == 200
    view = stack.opened_view()
    assert_view_round_trips({k: view[k] for k in ("type", "title", "blocks")})

    type_select = block(view, "incident_type")
    assert type_select["dispatch_action"] is True
    assert [o["text"]["text"] for o in type_select["element"]["options"]] == [
        "Default incident type",
        "Security",
    ]
    assert type_select["element"]["initial_option"]["value"] == org.default
    assert udf_ids(view) == [
        "udf:regions",
        "udf:team",
        "udf:services",
        "udf:root_cause",
        "udf:runbooks",
        "udf:customers",
        "udf:started",
        "udf:tags",
    ]
    kinds = {b: block(view, b)["element"]["type"] for b in udf_ids(view)}
    assert kinds == {
        "udf:regions": "multi_static_select",
        "udf:team": "static_select",
        "udf:services": "multi_external_select",
        "udf:root_cause": "plain_text_input",
        "udf:runbooks": "plain_text_input",
        "udf:customers": "number_input",
        "udf:started": "datetimepicker",
        "udf:tags": "plain_text_input",
    }
    team = block(view, "udf:team")
    assert "optional" not in team  # required in Datadog, required here
    assert team["element"]["initial_option"]["value"] == "payments"
    assert [o["text"]["text"] for o in team["element"]["options"]] == ["Payments", "Checkout squad"]
    assert block(view, "udf:regions")["optional"] is True
    assert block(view, "udf:root_cause")["element"]["initial_value"] == "unknown yet"
    severity = block(view, "severity")["element"]
    assert severity["initial_option"]["value"] == "UNKNOWN"
    assert ("SEV-1", "SEV-1 (Critical)") in [
        (o["value"], o["text"]["text"]) for o in severity["options"]
    ]

    options = stack.suggest(view, "udf:services", "service 12")
    assert [o["value"] for o in options] == ["svc-12"] + [f"svc-{i}" for i in range(120, 130)]
    assert len(stack.suggest(view, "udf:services", "")) == 100

    values = declare_form_values(title="Checkout down", severity="SEV-2", commander=ALICE)
    submitted = stack.submit(view, {**values, **default_type_answers(org)})
    assert submitted.json()["response_action"] == "update", submitted.text
    stack.wait_done()

    (body,) = stack.datadog.created_bodies()
    assert_datadog_create_body(body)
    attributes = body["data"]["attributes"]
    assert attributes["incident_type_uuid"] == org.default
    assert attributes["fields"] == {
        "severity": {"type": "dropdown", "value": "SEV-2"},
        "regions": {"type": "multiselect", "value": ["eu", "us"]},
        "team": {"type": "dropdown", "value": "checkout"},
        "services": {"type": "autocomplete", "value": ["svc-7"]},
        "root_cause": {"type": "textbox", "value": "bad deploy"},
        "runbooks": {"type": "textarray", "value": ["https://wiki/a", "https://wiki/b"]},
        "customers": {"type": "textbox", "value": "1200"},
        "started": {"type": "textbox", "value": "2024-05-01T13:30:00+00:00"},
        "tags": {"type": "metrictag", "value": ["env:prod", "region:eu"]},
    }
    assert stack.services.store.all()[0].step.value == "done"
    assert_views_sent_round_trip(stack)


def test_a_required_custom_field_left_empty_is_a_field_error(stack: LocalStack, org: Org) -> None:
    answers = default_type_answers(org)
    answers.update(one("udf:team", {"type": "static_select", "selected_option": None}))
    answers.update(one("udf:customers", {"type": "number_input", "value": "a dozen"}))
    response = stack.declare(title="Checkout down", extra=answers)
    assert response.json() == {
        "response_action": "errors",
        "errors": {
            "udf:team": "Team is required.",
            "udf:customers": "Customers must be a number, e.g. 42 or 3.5.",
        },
    }
    assert stack.datadog.created_bodies() == [] and stack.services.store.all() == []


def test_changing_the_type_updates_the_form(stack: LocalStack, org: Org) -> None:
    stack.slash()
    view = stack.opened_view()
    typed = one("title", text_value("Leaked key")) | one("severity", option_value("SEV-1"))
    assert stack.choose(view, "incident_type", org.security, state=typed).status_code == 200

    stack.slack.wait_for("/api/views.update")
    call = stack.slack.calls_of("views.update")[0]
    assert call["view_id"] == view["id"] and call["hash"] == view["hash"]
    assert_view_round_trips(call["view"])
    updated = stack.current_view(view["id"])
    assert udf_ids(updated) == ["udf:threat_level", "udf:cve"]
    assert block(updated, "incident_type")["element"]["initial_option"]["value"] == org.security
    assert block(updated, "title")["element"]["initial_value"] == "Leaked key"
    assert block(updated, "severity")["element"]["initial_option"]["value"] == "SEV-1"

    # Submitting the old form with the new type selected: the fields shown are stale.
    stale = stack.submit(
        view,
        declare_form_values(title="Leaked key", commander=ALICE)
        | one("incident_type", option_value(org.security)),
    )
    assert stale.json()["errors"] == {
        "incident_type": "The form is still switching to this type: check its fields, then "
        "submit again."
    }

    values = declare_form_values(title="Leaked key", severity="SEV-1", commander=ALICE)
    values |= one("incident_type", option_value(org.security))
    values |= one("udf:threat_level", option_value("high"))
    values |= one("udf:cve", text_value("CVE-2024-0001"))
    assert stack.submit(updated, values).json()["response_action"] == "update"
    stack.wait_done()
    (body,) = stack.datadog.created_bodies()
    attributes = body["data"]["attributes"]
    assert attributes["incident_type_uuid"] == org.security
    assert attributes["fields"] == {
        "severity": {"type": "dropdown", "value": "SEV-1"},
        "threat_level": {"type": "dropdown", "value": "high"},
        "cve": {"type": "textbox", "value": "CVE-2024-0001"},
    }
    assert_views_sent_round_trip(stack)


def test_one_type_shows_no_type_select(stack: LocalStack) -> None:
    stack.datadog.add_field("impact_area", "textbox", required=True)
    stack.slash()
    view = stack.opened_view()
    assert "incident_type" not in [b["block_id"] for b in view["blocks"]]
    assert udf_ids(view) == ["udf:impact_area"]
    answers = one("udf:impact_area", text_value("billing"))
    assert stack.submit(view, declare_form_values(title="Billing", commander=ALICE) | answers)
    stack.wait_done()
    attributes = stack.datadog.created_bodies()[0]["data"]["attributes"]
    assert "incident_type_uuid" not in attributes  # Datadog uses its default type
    assert attributes["fields"]["impact_area"] == {"type": "textbox", "value": "billing"}


def test_config_read_timing_out_opens_the_built_in_form_in_time(
    stack: LocalStack, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    stack.datadog.inject(f"GET {TYPES}", delay=2.0)
    caplog.set_level(logging.WARNING)
    started = time.monotonic()
    assert stack.slash().status_code == 200
    view = stack.opened_view()
    (opened,) = stack.slack.calls("/api/views.open")
    assert opened.received_at - started < 1.5  # well inside the 3-second trigger
    assert udf_ids(view) == [] and "incident_type" not in [b["block_id"] for b in view["blocks"]]
    notice = view["blocks"][0]
    assert notice["type"] == "context" and "standard fields only" in notice["elements"][0]["text"]
    assert any("org config unavailable" in r.getMessage() for r in caplog.records)

    # The read went on in the background; the next form has the org's fields.
    stack.datadog.wait_for(FIELDS, timeout=5)
    deadline = time.monotonic() + 5
    while stack.services.org_config.peek() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    stack.slash()
    assert "udf:team" in udf_ids(stack.opened_view(count=2))
    assert len(stack.datadog.calls(TYPES)) == 1  # cached: one read served both forms


def test_the_built_in_form_still_declares_when_datadog_is_slow(stack: LocalStack) -> None:
    stack.datadog.inject(f"GET {TYPES}", delay=1.5)
    assert stack.declare(title="Slow config").json()["response_action"] == "update"
    stack.wait_done()
    (body,) = stack.datadog.created_bodies()
    assert body["data"]["attributes"]["fields"] == {
        "severity": {"type": "dropdown", "value": "UNKNOWN"}
    }
