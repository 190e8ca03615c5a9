"""The live incident card and its thread notes: Block Kit round trips, escaping, limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.domain.incident.changes import Change, ChangeKind, describe_update, external_update
from bot.domain.incident.state import IncidentChanges, IncidentUser, IncidentView
from bot.slack.common import ids
from bot.slack.common.mrkdwn import FALLBACK_MAX, HEADER_MAX, SECTION_MAX
from bot.slack.incident import card as cards
from tests.oracles import assert_blocks_round_trip

HOSTILE = "<!channel> <http://evil|x> & <@U999> @here"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
INCIDENT = IncidentView(
    incident_id="a6250371-3453-5a56-b302-93500bfb7e41",
    public_id=338027,
    title="Checkout down",
    severity="SEV-2",
    state="active",
    commander=IncidentUser(datadog_id="dd-alice", display="Alice"),
    url="https://app.datadoghq.com/incidents/338027",
    modified=T0,
)


def _actions(blocks):
    return next(b for b in blocks if b["type"] == "actions")["elements"]


def _all_text(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_open_card_shows_the_incident_and_update_resolve_buttons() -> None:
    text, blocks = cards.card(INCIDENT, commander_slack_id="UALICE")
    assert_blocks_round_trip(blocks)
    assert blocks[0]["text"]["text"] == "🚨 IR-338027: Checkout down"
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields == [
        "*Severity*\nSEV-2",
        "*State*\nActive",
        "*Commander*\n<@UALICE>",
        "*Customer impact*\nNo",
    ]
    actions = [e["action_id"] for e in _actions(blocks)]
    assert actions == [
        ids.POST_UPDATE_ACTION,
        cards.UPDATE_ACTION,
        cards.RESOLVE_ACTION,
        ids.PAGE_ACTION,
        ids.TODO_ACTION,
        ids.OPEN_INCIDENT_ACTION,
    ]
    assert _actions(blocks)[-1]["url"] == INCIDENT.url
    assert text.startswith("IR-338027 (SEV-2, active): Checkout down")
    assert [b["block_id"] for b in blocks] == [
        cards.HEADER_BLOCK,
        cards.DETAILS_BLOCK,
        cards.ACTIONS_BLOCK,
        cards.STAFF_BLOCK,
    ]
    staff = [e["action_id"] for e in blocks[3]["elements"]]
    assert staff == [cards.ADD_RESPONDER_ACTION, cards.TAKE_COMMAND_ACTION]


def test_resolved_card_has_a_check_and_reopen_instead_of_resolve() -> None:
    resolved = INCIDENT.model_copy(
        update={
            "state": "resolved",
            "customer_impacted": True,
            "customer_impact_scope": "EU",
            "customer_impact_end": T0,
        }
    )
    _, blocks = cards.card(resolved)
    assert_blocks_round_trip(blocks)
    assert blocks[0]["text"]["text"].startswith("✅ IR-338027")
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert "*State*\n✅ Resolved" in fields
    assert "*Customer impact*\nYes: EU\nEnded 2026-01-01 12:00 UTC" in fields
    assert "*Commander*\nAlice" in fields  # no Slack user known: Datadog's name
    actions = [e["action_id"] for e in _actions(blocks)]
    assert actions == [
        cards.UPDATE_ACTION,
        cards.REOPEN_ACTION,
        ids.POSTMORTEM_ACTION,
        ids.OPEN_INCIDENT_ACTION,
    ]
    postmortem = next(e for e in _actions(blocks) if e["action_id"] == ids.POSTMORTEM_ACTION)
    assert postmortem["text"]["text"] == "Postmortem" and "url" not in postmortem
    url = "https://app.datadoghq.com/notebook/1001/Postmortem-IR-338027"
    _, linked = cards.card(resolved, postmortem_url=url)
    assert_blocks_round_trip(linked)
    opens = next(e for e in _actions(linked) if e["action_id"] == ids.POSTMORTEM_ACTION)
    assert opens["url"] == url, "once drafted, Postmortem opens it"
    _, odd = cards.card(resolved, postmortem_url="javascript:alert(1)")
    assert all("url" not in e for e in _actions(odd) if e["action_id"] == ids.POSTMORTEM_ACTION)
    _, off = cards.card(resolved, postmortem=False)  # DECLARE_POSTMORTEM=never
    assert ids.POSTMORTEM_ACTION not in [e["action_id"] for e in _actions(off)]
    completed = cards.card(resolved.model_copy(update={"state": "completed"}))[1]
    assert "✅ Completed" in _all_text(completed)


def test_buttons_carry_no_incident_the_client_could_rewrite() -> None:
    _, blocks = cards.card(INCIDENT)
    every = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    for element in every:
        assert "value" not in element
    card_buttons = [e for e in every if e["action_id"] in cards.CARD_ACTIONS]
    assert {cards.UPDATE_ACTION, cards.RESOLVE_ACTION} <= {e["action_id"] for e in card_buttons}
    assert len(card_buttons) >= 4, "every feature's buttons, none carrying the incident"
    assert INCIDENT.incident_id not in json.dumps(card_buttons)
    assert "338027" not in json.dumps(card_buttons)


def test_card_without_commander_url_or_with_test_flag() -> None:
    bare = INCIDENT.model_copy(update={"commander": None, "url": None, "is_test": True})
    text, blocks = cards.card(bare)
    assert_blocks_round_trip(blocks)
    assert "*Commander*\nNot set" in [f["text"] for f in blocks[1]["fields"]]
    assert [e["action_id"] for e in _actions(blocks)] == [
        ids.POST_UPDATE_ACTION,
        cards.UPDATE_ACTION,
        cards.RESOLVE_ACTION,
        ids.PAGE_ACTION,
        ids.TODO_ACTION,
    ]
    assert blocks[0]["text"]["text"].startswith("🚨 [TEST] IR-338027")
    assert text.startswith("[TEST] ")


def test_hostile_text_is_escaped_everywhere_on_the_card() -> None:
    hostile = INCIDENT.model_copy(
        update={
            "title": HOSTILE,
            "severity": HOSTILE,
            "customer_impacted": True,
            "customer_impact_scope": HOSTILE,
            "commander": IncidentUser(datadog_id="dd-x", display=HOSTILE),
        }
    )
    text, blocks = cards.card(hostile, commander_slack_id="<!here>")
    assert_blocks_round_trip(blocks)
    for rendered in (_all_text(blocks), text):
        assert "<!channel>" not in rendered and "<!here>" not in rendered
        assert "<http" not in rendered and "<@U999>" not in rendered
        assert "&amp; &lt;@U999&gt;" in rendered
    assert all(f.get("verbatim") for f in blocks[1]["fields"])


def test_overlong_text_respects_block_kit_limits() -> None:
    huge = INCIDENT.model_copy(
        update={
            "title": "&" * 3000,
            "customer_impacted": True,
            "customer_impact_scope": "<" * 5000,
            "commander": IncidentUser(datadog_id="dd-x", display="x" * 5000),
        }
    )
    text, blocks = cards.card(huge)
    assert_blocks_round_trip(blocks)  # slack_sdk checks the limits on validate_json
    assert len(blocks[0]["text"]["text"]) <= HEADER_MAX
    assert all(len(f["text"]) <= cards.SECTION_FIELD_MAX for f in blocks[1]["fields"])
    assert len(text) <= FALLBACK_MAX
    assert "&amp" in blocks[0]["text"]["text"] and "&am…" not in blocks[0]["text"]["text"]


def test_mentions_only_for_real_slack_ids() -> None:
    assert cards.mention("U012ABC") == "<@U012ABC>"
    assert cards.mention("W012ABC") == "<@W012ABC>"
    assert cards.mention("U01|x> <!channel") == "U01|x&gt; &lt;!channel"


def test_change_note_reads_like_the_issue() -> None:
    changes = describe_update(INCIDENT, IncidentChanges(severity="SEV-1"))
    text, blocks = cards.change_note("UBOB", changes, INCIDENT.label)
    assert_blocks_round_trip(blocks)
    assert blocks[0]["text"]["text"] == "<@UBOB> changed severity SEV-2 → SEV-1"
    assert blocks[0]["text"]["verbatim"] is True
    assert text == "IR-338027: changed severity SEV-2 → SEV-1"


def test_resolve_note_with_a_hostile_note_is_escaped() -> None:
    resolve = IncidentChanges(state="resolved")
    changes = describe_update(INCIDENT, resolve, note=HOSTILE)
    text, blocks = cards.change_note("UBOB", changes, INCIDENT.label)
    assert_blocks_round_trip(blocks)
    body = blocks[0]["text"]["text"]
    assert body.startswith("<@UBOB> resolved the incident: &lt;!channel&gt;")
    for rendered in (body, text):
        assert "<!channel>" not in rendered and "<http" not in rendered
        assert "<@U999>" not in rendered


def test_several_changes_are_listed_under_one_note() -> None:
    changes = describe_update(INCIDENT, IncidentChanges(severity="SEV-1", title="New <title>"))
    _, blocks = cards.change_note("UBOB", changes, INCIDENT.label)
    assert blocks[0]["text"]["text"] == (
        "<@UBOB> updated IR-338027:\n"
        "• changed the title “Checkout down” → “New &lt;title&gt;”\n"
        "• changed severity SEV-2 → SEV-1"
    )


@pytest.mark.parametrize("count", [1, 5, 40])
def test_notes_stay_within_a_section_whatever_the_changes(count: int) -> None:
    many = [Change(ChangeKind.TITLE, "the title", "&" * 2000, "<" * 2000) for _ in range(count)]
    text, blocks = cards.change_note("UBOB", many, INCIDENT.label)
    assert_blocks_round_trip(blocks)
    body = blocks[0]["text"]["text"]
    assert len(body) <= SECTION_MAX and len(text) <= FALLBACK_MAX
    if count > cards.NOTE_LINES_MAX:
        assert body.endswith(f"… and {count - cards.NOTE_LINES_MAX} more")


def test_external_note_names_the_datadog_user_or_says_someone() -> None:
    after = INCIDENT.model_copy(
        update={
            "severity": "SEV-1",
            "modified": datetime(2026, 1, 1, 12, 5, tzinfo=UTC),
            "last_modified_by": IncidentUser(datadog_id="dd-1", display="Frog <!channel>"),
        }
    )
    update = external_update(INCIDENT, after)
    assert update is not None
    _, blocks = cards.external_note(update, INCIDENT.label)
    assert_blocks_round_trip(blocks)
    assert blocks[0]["text"]["text"] == (
        "Frog &lt;!channel&gt; (in Datadog) changed severity SEV-2 → SEV-1"
    )
    anonymous = external_update(INCIDENT, after.model_copy(update={"modified": T0}))
    assert anonymous is not None
    _, blocks = cards.external_note(anonymous, INCIDENT.label)
    assert blocks[0]["text"]["text"] == "Someone in Datadog changed severity SEV-2 → SEV-1"


def test_the_card_lists_responders_with_roles_commander_first() -> None:
    """Datadog lists the commander as a responder too: shown once, first; each other
    person with their role, mentioned when the bot knows their Slack user, escaped else."""
    from bot.domain.incident.responders import Responder

    responders = [
        Responder(responder_id="r0", datadog_user_id="dd-alice", created="2026-01-01T12:00"),
        Responder(
            responder_id="r1",
            datadog_user_id="dd-bob",
            name="Bob",
            role_name="Scribe",
            slack_user_id="UBOB",
            created="2026-01-01T12:01",
        ),
        Responder(
            responder_id="r2",
            datadog_user_id="dd-x",
            name=HOSTILE,
            role_name=HOSTILE,
            created="2026-01-01T12:02",
        ),
    ]
    _, blocks = cards.card(INCIDENT, commander_slack_id="UALICE", responders=responders)
    assert_blocks_round_trip(blocks)
    listed = next(b for b in blocks if b["block_id"] == cards.RESPONDERS_BLOCK)
    lines = listed["text"]["text"].split("\n")
    assert lines[:3] == ["*Responders*", "• <@UALICE>: Commander", "• <@UBOB>: Scribe"]
    assert "<!channel>" not in lines[3] and "&lt;!channel&gt;" in lines[3]
    staff = next(b for b in blocks if b["block_id"] == cards.STAFF_BLOCK)["elements"]
    assert [e["action_id"] for e in staff] == [
        cards.ADD_RESPONDER_ACTION,
        cards.REMOVE_RESPONDER_ACTION,
        cards.TAKE_COMMAND_ACTION,
    ]
    resolved = INCIDENT.model_copy(update={"state": "resolved"})
    _, closed = cards.card(resolved, responders=responders)
    assert cards.STAFF_BLOCK not in [b.get("block_id") for b in closed]
    assert cards.RESPONDERS_BLOCK in [b.get("block_id") for b in closed]


def test_the_card_shows_when_the_last_status_update_was_and_the_next_is_due() -> None:
    """Slack renders the date tokens in each reader's zone; the fallback says UTC."""
    view = IncidentView(incident_id="i", public_id=7, title="Checkout down", severity="SEV-1")
    _, blocks = cards.card(view, status_at=1_700_000_000.0, status_due=1_700_001_800.0)
    (line,) = [b for b in blocks if b.get("block_id") == ids.STATUS_LINE_BLOCK]
    text = line["elements"][0]["text"]
    assert "Last update <!date^1700000000^{ago}|recently>" in text
    assert "next due <!date^1700001800^{time}|" in text and "UTC>" in text
    _, none = cards.card(view)
    assert not [b for b in none if b.get("block_id") == ids.STATUS_LINE_BLOCK]
