"""Org configuration in Slack, unit level: the pure Block Kit builders and the metadata."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from bot.domain.incident.declaration import Origin
from bot.domain.incident.org import Choice, FieldKind, IncidentType, OrgConfig, OrgField
from bot.slack.declare.form.metadata import METADATA_MAX, Metadata, decode, encode
from bot.slack.declare.form.org_fields import field_block, suggestions, with_org_severities
from bot.slack.declare.form.prefill import FormPrefill
from bot.slack.declare.form.view import declare_form

ORIGIN = Origin(team_id="T1", channel_id="C1", channel_name="incidents", user_id="U1")


def _round_trips(view: dict[str, Any]) -> None:
    assert View(**view).to_dict() == view


def field(kind: FieldKind, **kw: Any) -> OrgField:
    return OrgField(name=kw.pop("name", f"f_{kind.value}"), display_name="Field", kind=kind, **kw)


def test_each_kind_gets_its_element_and_round_trips() -> None:
    few = tuple(Choice(f"v{i}", f"Value {i}") for i in range(3))
    many = tuple(Choice(f"v{i}", f"Value {i}") for i in range(150))
    cases = [
        (field(FieldKind.DROPDOWN, choices=few, default="v1"), "static_select"),
        (field(FieldKind.DROPDOWN, choices=many), "external_select"),
        (field(FieldKind.DROPDOWN), "plain_text_input"),
        (field(FieldKind.MULTISELECT, choices=few, default="v2"), "multi_static_select"),
        (field(FieldKind.MULTISELECT, choices=many), "multi_external_select"),
        (field(FieldKind.TEXTBOX, default="hello"), "plain_text_input"),
        (field(FieldKind.TEXTARRAY), "plain_text_input"),
        (field(FieldKind.METRICTAG, choices=few), "multi_external_select"),
        (field(FieldKind.AUTOCOMPLETE), "plain_text_input"),
        (field(FieldKind.NUMBER, default="4.5"), "number_input"),
        (field(FieldKind.DATETIME, default="2024-05-01T13:30:00+00:00"), "datetimepicker"),
    ]
    for org_field, element_type in cases:
        block = field_block(org_field)
        assert block is not None
        element = block["element"]
        assert element["type"] == element_type, org_field
        assert block["block_id"] == element["action_id"] == f"udf:{org_field.name}"
        assert block.get("optional") is True
        assert len(element.get("options", [])) <= 100
        _round_trips(
            {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": [block]}
        )
    assert field_block(cases[0][0])["element"]["initial_option"]["value"] == "v1"  # type: ignore[index]
    assert field_block(cases[3][0])["element"]["initial_options"][0]["value"] == "v2"  # type: ignore[index]
    assert field_block(cases[9][0])["element"]["initial_value"] == "4.5"  # type: ignore[index]
    assert field_block(cases[10][0])["element"]["initial_date_time"] == 1714570200  # type: ignore[index]
    assert field_block(cases[6][0])["element"]["multiline"] is True  # type: ignore[index]
    assert "optional" not in field_block(field(FieldKind.TEXTBOX, required=True))  # type: ignore[operator]


def test_suggestions_search_and_cap_at_100() -> None:
    many = tuple(Choice(f"svc-{i}", f"Service {i}") for i in range(250))
    org_field = field(FieldKind.AUTOCOMPLETE, choices=many)
    assert len(suggestions(org_field, "")) == 100
    hits = suggestions(org_field, "service 12")
    assert [o["value"] for o in hits] == ["svc-12"] + [f"svc-{i}" for i in range(120, 130)]
    long_label = field(
        FieldKind.DROPDOWN, choices=(Choice("x", "L" * 200), Choice("y" * 151, "too long"))
    )
    (only,) = suggestions(long_label, "")
    assert only["value"] == "x" and len(only["text"]["text"]) == 75


def test_modal_with_two_types_and_org_severities_round_trips() -> None:
    config = OrgConfig(
        types=(IncidentType("t1", "Ops", True), IncidentType("t2", "Security")),
        fields=(
            OrgField(
                "severity",
                "Severity",
                FieldKind.DROPDOWN,
                type_id="t1",
                choices=(Choice("SEV-1", "Critical"), Choice("SEV-2", "High")),
            ),
            field(FieldKind.TEXTBOX, name="team", type_id="t1", required=True),
            field(FieldKind.TEXTBOX, name="threat", type_id="t2"),
        ),
    )
    view = declare_form(config, FormPrefill(severity="UNKNOWN"), ORIGIN)
    _round_trips(view)
    block_ids = [b["block_id"] for b in view["blocks"]]
    assert block_ids[:4] == ["title", "severity", "incident_type", "udf:team"]
    type_block = view["blocks"][2]
    assert type_block["dispatch_action"] is True
    assert type_block["element"]["initial_option"]["value"] == "t1"
    severity = view["blocks"][1]["element"]
    assert [(o["value"], o["text"]["text"]) for o in severity["options"]] == [
        ("SEV-1", "Critical"),
        ("SEV-2", "High"),
    ]
    assert "initial_option" not in severity  # UNKNOWN is not one of this org's severities
    assert decode(view["private_metadata"]).kinds == {"team": "textbox"}

    security = declare_form(config, FormPrefill(), ORIGIN, type_id="t2")
    assert [b["block_id"] for b in security["blocks"]][2:4] == ["incident_type", "udf:threat"]


def test_one_type_shows_no_select_and_the_modal_stays_under_100_blocks() -> None:
    fields = tuple(field(FieldKind.TEXTBOX, name=f"f{i:03}", ordinal=str(i)) for i in range(150))
    required = field(FieldKind.TEXTBOX, name="zz_required", ordinal="999", required=True)
    config = OrgConfig(types=(IncidentType("t1", "Only", True),), fields=(*fields, required))
    view = declare_form(config, FormPrefill(), ORIGIN, notices=("a notice",))
    _round_trips(view)
    ids = [b.get("block_id") for b in view["blocks"]]
    assert len(view["blocks"]) == 100
    assert "incident_type" not in ids and "udf:zz_required" in ids


def test_severities_keep_the_configured_default_when_the_org_has_it() -> None:
    org_field = OrgField(
        "severity",
        "Severity",
        FieldKind.DROPDOWN,
        choices=(Choice("SEV-1", "One"), Choice("SEV-2", "Two")),
        default="SEV-2",
    )
    assert with_org_severities(FormPrefill(severity="SEV-1"), org_field).severity == "SEV-1"
    assert with_org_severities(FormPrefill(severity="UNKNOWN"), org_field).severity == "SEV-2"


def test_metadata_stays_under_3000_characters() -> None:
    origin = ORIGIN.model_copy(
        update={"source_ts": "1.2", "source_permalink": "https://x/" + "p" * 80}
    )
    meta = Metadata(
        origin=origin,
        context_links=tuple(
            f"https://app.datadoghq.com/monitors/{i}{'9' * 200}" for i in range(10)
        ),
        kinds={f"field_{i}": "textbox" for i in range(30)},
        title="T" * 250,
        summary="“quoted” " * 400,
    )
    text = encode(meta)
    assert len(text) <= METADATA_MAX
    back = decode(text)
    assert back.origin.channel_id == "C1" and back.kinds == meta.kinds and back.title == meta.title
    assert back.summary.startswith("“quoted”") and len(back.summary) <= 500
    assert len(back.context_links) < 10  # links went before the rest of the summary
