"""DECLARE_POSTMORTEM and DECLARE_POSTMORTEM_TEMPLATE: read, checked at start, and a
template drafted into end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.record.postmortem import PostmortemMode
from bot.emulators.personas import BOB
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import POSTMORTEM_ACTION, POSTMORTEM_BLOCK, RESOLVE_ACTION
from tests.card_actions import open_modal, press_card, wait_for, with_changes

VALID = {
    "DD_API_KEY": "k",
    "DD_APP_KEY": "a",
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
}
TEMPLATE = """# {{incident}} review

Incident: {{link}}. {{owner}} is left as written.

## What happened

{{timeline}}

## Follow-ups

{{todos}}
"""


def test_the_mode_is_read_case_blind_and_a_wrong_one_stops_the_start() -> None:
    assert load_settings(VALID, None).postmortem is PostmortemMode.OFFER
    assert load_settings({**VALID, "DECLARE_POSTMORTEM": " Always "}, None).postmortem is (
        PostmortemMode.ALWAYS
    )
    with pytest.raises(ConfigError) as caught:
        load_settings({**VALID, "DECLARE_POSTMORTEM": "sometimes"}, None)
    assert "DECLARE_POSTMORTEM" in str(caught.value)


def test_a_template_that_cant_be_read_stops_the_start(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    with pytest.raises(ConfigError) as caught:
        load_settings({**VALID, "DECLARE_POSTMORTEM_TEMPLATE": str(missing)}, None)
    assert "DECLARE_POSTMORTEM_TEMPLATE" in str(caught.value) and "nope.md" in str(caught.value)
    empty = tmp_path / "empty.md"
    empty.write_text("  \n")
    with pytest.raises(ConfigError) as caught:
        load_settings({**VALID, "DECLARE_POSTMORTEM_TEMPLATE": str(empty)}, None)
    assert "is empty" in str(caught.value)
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError) as caught:
        load_settings({**VALID, "DECLARE_POSTMORTEM_TEMPLATE": str(binary)}, None)
    assert "not UTF-8" in str(caught.value)


def test_the_postmortem_is_drafted_into_the_orgs_template(tmp_path: Path) -> None:
    template = tmp_path / "postmortem.md"
    template.write_text(TEMPLATE, encoding="utf-8")
    with LocalStack(env={"DECLARE_POSTMORTEM_TEMPLATE": str(template)}) as stack:
        stack.declare("Search latency", commander=BOB)
        stack.wait_done()
        (incident_id,) = stack.datadog.incidents
        view = open_modal(stack, RESOLVE_ACTION)
        values = with_changes(view)
        values[POSTMORTEM_BLOCK] = {
            POSTMORTEM_BLOCK: {"type": "checkboxes", "selected_options": []}
        }
        assert stack.submit(view, values).status_code == 200
        wait_for(lambda: "Reopen" in str(stack.slack.calls_of("chat.update")), what="resolved")
        assert press_card(stack, POSTMORTEM_ACTION).status_code == 200
        (sent,) = wait_for(lambda: stack.datadog.postmortem_bodies(incident_id), what="the draft")
    cells = [c["attributes"]["definition"]["content"] for c in sent["cells"]]
    assert cells[0] == (
        "# IR-1 review\n\nIncident: [IR-1](https://app.datadoghq.com/incidents/1). "
        "{{owner}} is left as written."
    )
    assert cells[1].startswith("## What happened\n\n**") and "Declared by" in cells[1]
    assert cells[2] == "## Follow-ups\n\nNo to-dos were recorded."
    assert len(cells) == 3
