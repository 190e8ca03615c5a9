"""The declare form is drawn from a kept skeleton plus what differs per person: the same
view as drawing it all, nothing of one person's form in the next, a new config redrawn."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from bot.domain.incident.declaration import Origin
from bot.domain.incident.org import Choice, FieldKind, IncidentType, OrgConfig, OrgField
from bot.slack.common import ids
from bot.slack.declare.form import metadata, view
from bot.slack.declare.form.prefill import FormPrefill

SEVERITY = OrgField(
    name="severity",
    display_name="Severity",
    kind=FieldKind.DROPDOWN,
    choices=(Choice("SEV-1", "Critical"), Choice("SEV-2", "High")),
    default="SEV-2",
)
TEAM_FIELD = OrgField(name="team", display_name="Team", kind=FieldKind.TEXTBOX)


def config(*fields: OrgField) -> OrgConfig:
    return OrgConfig(types=(IncidentType("t1", "Default", True),), fields=(SEVERITY, *fields))


def origin(user: str) -> Origin:
    return Origin(team_id="T1", channel_id="C1", user_id=user, trigger_id=f"trigger-{user}")


def drawn_whole(cfg: OrgConfig | None, prefill: FormPrefill, who: Origin) -> dict[str, Any]:
    """The form drawn from scratch, as before the skeleton was kept."""
    return view._draw(cfg, prefill, who, None, (), (), None, "")


def block(form: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in form["blocks"] if b["block_id"] == block_id)


def test_a_kept_skeleton_gives_the_form_drawing_it_all_gives() -> None:
    cfg = config(TEAM_FIELD)
    for cfg_or_none in (cfg, None):
        for user, title, summary in (("U1", "DB down", "It is down"), ("U2", "", "")):
            prefill = FormPrefill(title=title, summary=summary, commander_id=user)
            form = view.declare_form(cfg_or_none, prefill, origin(user))
            assert form == drawn_whole(cfg_or_none, prefill, origin(user))
            assert View(**form).to_dict() == form


def test_nothing_of_one_persons_form_reaches_the_next() -> None:
    cfg = config()
    first = view.declare_form(
        cfg, FormPrefill(title="Alice's", summary="secret", commander_id="U1"), origin("U1")
    )
    second = view.declare_form(cfg, FormPrefill(commander_id="U2"), origin("U2"))
    assert block(first, ids.TITLE)["element"]["initial_value"] == "Alice's"
    assert "initial_value" not in block(second, ids.TITLE)["element"]
    assert "initial_value" not in block(second, ids.SUMMARY)["element"]
    assert block(second, ids.COMMANDER)["element"]["initial_user"] == "U2"
    assert "trigger-U1" not in second["private_metadata"]
    # The org's severities and default come from the config, for both.
    for form in (first, second):
        severity = block(form, ids.SEVERITY)["element"]
        assert [o["value"] for o in severity["options"]] == ["SEV-1", "SEV-2"]
        assert severity["initial_option"]["value"] == "SEV-2"


def test_a_new_configuration_is_drawn_anew() -> None:
    before = view.declare_form(config(), FormPrefill(), origin("U1"))
    after = view.declare_form(config(TEAM_FIELD), FormPrefill(), origin("U1"))
    assert not any(b["block_id"] == "udf:team" for b in before["blocks"])
    assert any(b["block_id"] == "udf:team" for b in after["blocks"])
    assert '"team":"textbox"' in after["private_metadata"]


def test_the_metadata_reads_the_origin_as_pydantic_dumps_it() -> None:
    """metadata.py reads the Origin's fields itself (pydantic's serializer is cold code on
    /declare's path); it must give exactly what model_dump gives, for every field."""
    full = {name: f"v-{name}" for name in Origin.model_fields}
    for who in (origin("U1"), Origin(**full), Origin(team_id="T", channel_id="C", user_id="U")):
        expected = who.model_dump(mode="json", exclude_defaults=True)
        assert metadata._origin_fields(who) == expected
        assert list(metadata._origin_fields(who)) == list(expected)
