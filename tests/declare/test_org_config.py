"""Org configuration, unit level: parsing Datadog's answers, the cache, and the validation
of custom-field answers (no HTTP here; the scenarios are in test_org_declare)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bot.datadog.org_cache import OrgConfigCache
from bot.datadog.org_config import parse_config
from bot.datadog.requests import WIRE_TYPE
from bot.domain.incident.custom_fields import CustomFieldRef, validate_custom, validate_declaration
from bot.domain.incident.declaration import DeclarationForm, FormField, Origin
from bot.domain.incident.org import Choice, FieldKind, IncidentType, OrgConfig, OrgField
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.state import field_problem

ORIGIN = Origin(team_id="T1", channel_id="C1", channel_name="incidents", user_id="U1")


def field(kind: FieldKind, **kw: Any) -> OrgField:
    return OrgField(name=kw.pop("name", f"f_{kind.value}"), display_name="Field", kind=kind, **kw)


def _emulated_config(emu: DatadogEmulator) -> OrgConfig:
    """The config as the emulator serves it (resources built by the emulator itself)."""
    types = [t.resource() for t in emu.incident_types.values()]
    fields = [f.resource() for f in emu.fields.values()]
    return parse_config(types, fields)


def test_parse_reads_every_field_type_and_orders_by_ordinal() -> None:
    emu = DatadogEmulator()
    security = emu.add_incident_type("Security")
    for index, kind in enumerate(
        ("dropdown", "multiselect", "textbox", "textarray", "metrictag", "autocomplete")
        + ("number", "datetime")
    ):
        emu.add_field(f"f_{kind}", kind, incident_type_id=security, ordinal=str(10 - index))
    emu.add_field("first", "textbox", incident_type_id=security, ordinal="0.5", required=True)
    config = _emulated_config(emu)

    assert [t.name for t in config.types] == ["Default incident type", "Security"]
    assert config.default_type() == config.types[0]
    shown = config.fields_for(security)
    assert [f.name for f in shown] == [
        "first",
        "f_datetime",
        "f_number",
        "f_autocomplete",
        "f_metrictag",
        "f_textarray",
        "f_textbox",
        "f_multiselect",
        "f_dropdown",
    ]
    assert {f.kind for f in shown} == set(FieldKind)
    assert shown[0].required and shown[0].type_id == security
    assert config.fields_for(config.types[0].id) == ()  # severity and state are not asked
    severity = config.severity_field(security)
    assert severity is not None and severity.label_of("SEV-1") == "SEV-1 (Critical)"


def test_parse_skips_odd_items_instead_of_failing() -> None:
    good = {"id": "t1", "type": "incident_types", "attributes": {"name": "A", "is_default": True}}
    fields = [
        {"id": "x", "attributes": {"name": "weird", "type": 99}},
        {"id": "y", "attributes": {"type": 1}},  # no name
        {"id": "z", "attributes": {"name": "gone", "type": 3, "deleted": "2024-01-01T00:00:00Z"}},
        {"id": "w", "attributes": {"name": "ok", "type": 3, "ordinal": None}},
    ]
    config = parse_config([good, {"no": "id"}], fields)
    assert [t.id for t in config.types] == ["t1"]
    assert [f.name for f in config.fields] == ["ok"]
    assert config.fields[0].type_id is None  # applies to every type


# --- the cache -----------------------------------------------------------------------------


def test_cache_waits_only_as_long_as_asked_then_fills_in_the_background() -> None:
    release = threading.Event()
    loads: list[int] = []

    def slow_load() -> OrgConfig:
        loads.append(1)
        release.wait(5)
        return OrgConfig(types=(IncidentType("t", "T", True),))

    cache = OrgConfigCache(slow_load, ttl=60)
    started = time.monotonic()
    assert cache.get(timeout=0.2) is None
    assert time.monotonic() - started < 0.5
    assert cache.get(timeout=0.05) is None  # the same load, not a second one
    release.set()
    cache.refresh().result(timeout=2)
    assert cache.get(timeout=0) is not None and len(loads) == 1
    cache.close()


def test_cache_serves_stale_values_while_refreshing_and_keeps_them_on_failure() -> None:
    now = [0.0]
    answers: list[OrgConfig | Exception] = [
        OrgConfig(types=(IncidentType("a", "A", True),)),
        RuntimeError("datadog down"),
        OrgConfig(types=(IncidentType("b", "B", True),)),
    ]

    def load() -> OrgConfig:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    cache = OrgConfigCache(load, ttl=10, clock=lambda: now[0])
    first = cache.get(timeout=2)
    assert first is not None and first.types[0].id == "a"
    now[0] = 11  # stale: answered at once, refreshed behind
    assert cache.get(timeout=0) is first
    with pytest.raises(RuntimeError):
        cache.refresh().result(timeout=2)  # that refresh failed...
    assert cache.peek() is first  # ...and the last good value stays
    assert cache.get(timeout=0) is first
    cache.refresh().result(timeout=2)
    latest = cache.get(timeout=0)
    assert latest is not None and latest.types[0].id == "b"
    cache.close()


def test_a_failing_read_is_not_retried_on_every_form() -> None:
    now = [0.0]
    loads: list[float] = []

    def forbidden() -> OrgConfig:
        loads.append(now[0])
        raise PermissionError("403: lacks incident_settings_read")

    cache = OrgConfigCache(forbidden, ttl=300, retry_after=30, clock=lambda: now[0])
    assert cache.get(timeout=2) is None
    now[0] = 29
    assert cache.get(timeout=2) is None
    assert loads == [0.0]
    now[0] = 31
    assert cache.get(timeout=2) is None
    assert loads == [0.0, 31]
    cache.close()


# --- validation of answers ---------------------------------------------------------------


def test_custom_answers_are_typed_as_the_create_page_defines() -> None:
    fields = [
        field(FieldKind.DROPDOWN, choices=(Choice("a", "A"),)),
        field(FieldKind.MULTISELECT, choices=(Choice("a", "A"), Choice("b", "B"))),
        field(FieldKind.TEXTBOX),
        field(FieldKind.TEXTARRAY),
        field(FieldKind.METRICTAG),
        field(FieldKind.AUTOCOMPLETE),
        field(FieldKind.NUMBER),
        field(FieldKind.DATETIME),
        field(FieldKind.TEXTBOX, name="unanswered"),
    ]
    answers = {
        "f_dropdown": ["a"],
        "f_multiselect": ["a", "b"],
        "f_textbox": ["  some text  "],
        "f_textarray": ["one\n\ntwo\none"],
        "f_metrictag": ["env:prod"],
        "f_autocomplete": ["payments\ncheckout"],
        "f_number": ["1,250.5"],
        "f_datetime": ["2024-05-01T13:30:00"],
    }
    custom, errors = validate_custom(fields, answers)
    assert errors == {}
    assert {(c.name, WIRE_TYPE[c.kind], c.values) for c in custom} == {
        ("f_dropdown", "dropdown", ("a",)),
        ("f_multiselect", "multiselect", ("a", "b")),
        ("f_textbox", "textbox", ("some text",)),
        ("f_textarray", "textarray", ("one", "two")),
        ("f_metrictag", "metrictag", ("env:prod",)),
        ("f_autocomplete", "autocomplete", ("payments", "checkout")),
        ("f_number", "textbox", ("1250.5",)),
        ("f_datetime", "textbox", ("2024-05-01T13:30:00+00:00",)),
    }


def test_custom_errors_are_keyed_by_field_not_confused_with_built_ins() -> None:
    fields = [
        OrgField("title", "Their title", FieldKind.TEXTBOX, required=True),
        field(FieldKind.NUMBER),
        field(FieldKind.DATETIME),
        field(FieldKind.DROPDOWN, choices=(Choice("a", "A"),)),
    ]
    answers = {"title": ["   "], "f_number": ["lots"], "f_datetime": ["soon"], "f_dropdown": ["z"]}
    result = validate_declaration(
        DeclarationForm(title="", commander_id="U1", incident_type_id="gone"),
        key="k",
        origin=ORIGIN,
        answers=answers,
        fields=fields,
        type_ids={"t1"},
    )
    assert isinstance(result, dict)
    assert result[FormField.TITLE].startswith("Give the incident a title")
    assert result[CustomFieldRef("title")] == "Their title is required."
    assert "number" in result[CustomFieldRef("f_number")]
    assert "date and time" in result[CustomFieldRef("f_datetime")]
    assert "not an option" in result[CustomFieldRef("f_dropdown")]
    assert FormField.INCIDENT_TYPE in result


def test_the_emulator_takes_number_and_datetime_fields_as_checked_textboxes() -> None:
    emu = DatadogEmulator()
    emu.add_field("customers", "number")
    emu.add_field("started", "datetime")
    fields = emu.type_fields(emu.default_type_id)
    ok = {
        "customers": {"type": "textbox", "value": "12.5"},
        "started": {"type": "textbox", "value": "2024-05-01T13:30:00+00:00"},
    }
    assert field_problem(fields, ok) is None
    assert "number" in str(field_problem(fields, {"customers": {"type": "textbox", "value": "x"}}))
    assert "datetime" in str(field_problem(fields, {"started": {"type": "textbox", "value": "x"}}))
    assert "textbox field" in str(
        field_problem(fields, {"customers": {"type": "dropdown", "value": "1"}})
    )
