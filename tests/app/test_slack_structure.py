"""bot/slack's seams, unit level: payload parsing, the listener log context, the metadata
carrying each field's kind from drawing to reading."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from slack_bolt.request.internals import parse_body as bolt_parse_body

from bot.domain.incident.declaration import Origin
from bot.domain.incident.org import FieldKind, IncidentType, OrgConfig, OrgField
from bot.logs import declaration_id
from bot.slack.common.payload import parse_body
from bot.slack.declare.form.metadata import METADATA_MAX, decode, of_view
from bot.slack.declare.form.prefill import FormPrefill
from bot.slack.declare.form.submitted import raw_answer, read_submitted, validate_whole_form
from bot.slack.declare.form.view import declare_form
from bot.slack.listeners import ListenerExecutor

ORIGIN = Origin(team_id="T1", channel_id="C1", user_id="U1", trigger_id="1.2")

BODIES = [
    ("", None),
    ('{"type": "block_actions"}', "application/json"),
    ('{"a": 1}', None),
    ("payload=" + json.dumps({"type": "view_submission"}), "application/x-www-form-urlencoded"),
    (urlencode({"command": "/declare", "text": "DB down", "x": ""}), None),
    ("payload_extra=1&payloadless=2", None),
]


@pytest.mark.parametrize(("body", "content_type"), BODIES)
def test_parse_body_reads_what_bolt_reads(body: str, content_type: str | None) -> None:
    assert parse_body(body, content_type) == bolt_parse_body(body, content_type)


def test_parse_body_raises_value_error_on_bad_json() -> None:
    with pytest.raises(ValueError):
        parse_body("{not json", "application/json")


def test_each_listener_starts_and_ends_without_a_declaration_id() -> None:
    def listener(key: str) -> str:
        before = declaration_id.get()
        declaration_id.set(key)
        return before

    with ListenerExecutor(max_workers=1) as executor:
        assert executor.submit(listener, "dk-1").result(timeout=5) == "-"
        assert executor.submit(listener, "dk-2").result(timeout=5) == "-"
    assert declaration_id.get() == "-"


def test_every_field_shown_has_its_kind_in_the_metadata() -> None:
    long = "n" * 120
    fields = tuple(
        OrgField(name=f"{long}{i:02}", display_name=f"F{i}", kind=FieldKind.NUMBER)
        for i in range(60)
    )
    config = OrgConfig(types=(IncidentType("t1", "Only", True),), fields=fields)
    view = declare_form(config, FormPrefill(), ORIGIN)
    assert len(view["private_metadata"]) <= METADATA_MAX
    kinds = decode(view["private_metadata"]).kinds
    shown = [b["block_id"][4:] for b in view["blocks"] if b["block_id"].startswith("udf:")]
    assert 0 < len(shown) < len(fields)
    assert set(shown) == set(kinds) and set(kinds.values()) == {FieldKind.NUMBER}


def test_a_time_out_of_range_is_a_field_error() -> None:
    field = OrgField(name="started", display_name="Started", kind=FieldKind.DATETIME)
    config = OrgConfig(types=(IncidentType("t1", "Only", True),), fields=(field,))
    view = declare_form(config, FormPrefill(title="DB down", commander_id="U1"), ORIGIN)
    picked = {"type": "datetimepicker", "selected_date_time": 10**20}
    view["state"] = {"values": {"udf:started": {"udf:started": picked}}}
    values = view["state"]["values"]
    assert not isinstance(raw_answer(values, "udf:started", "datetimepicker"), tuple)
    meta = of_view(view)
    assert meta is not None and meta.kinds == {"started": FieldKind.DATETIME}
    result = validate_whole_form(read_submitted(view), meta, config, key="k", origin=ORIGIN)
    assert isinstance(result, dict)
    errors = {str(k): v for k, v in result.items()}
    assert errors["started"] == "Started must be a date and time, e.g. 2024-05-01T13:30:00Z."
