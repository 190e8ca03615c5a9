"""Post update over real HTTP: the card's button opens the modal, the submission posts one
formatted update in the card's thread, a state change is one PATCH, the card shows the
last update and when the next is due, the journal keeps it; `/declare update` does the same
without the modal; a redelivered submission posts nothing more."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.domain.incident.journal import EntryKind
from bot.emulators.personas import ALICE, BOB, CAROL, INCIDENTS
from bot.emulators.slack.inbound import option_value, text_value
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from tests.card_actions import (
    card_message,
    initial_values,
    open_modal,
    press_card,
    wait_for,
    with_changes,
)
from tests.oracles import assert_blocks_round_trip, assert_view_round_trips


@pytest.fixture
def declared() -> Iterator[LocalStack]:
    with LocalStack() as stack:
        stack.declare("Checkout API 5xx", severity="SEV-2", commander=BOB)
        stack.wait_done()
        yield stack


def open_post_update(stack: LocalStack, user: str = ALICE) -> dict[str, Any]:
    before = len(stack.slack.calls("/api/views.open"))
    assert press_card(stack, ids.POST_UPDATE_ACTION, user=user).status_code == 200
    return stack.opened_view(count=before + 1)


def updates_posted(stack: LocalStack, channel: str = INCIDENTS) -> list[dict[str, Any]]:
    return [m for m in stack.slack.messages(channel) if "Status update" in json.dumps(m)]


def filled(view: dict[str, Any], text: str, **picked: str) -> dict[str, Any]:
    values = initial_values(view)
    values[ids.STATUS_TEXT] = {ids.STATUS_TEXT: text_value(text)}
    for block, value in picked.items():
        values[block] = {block: option_value(value)}
    return values


def test_post_update_with_a_state_change(declared: LocalStack) -> None:
    view = open_post_update(declared)
    assert view["callback_id"] == ids.STATUS_CALLBACK
    assert_view_round_trips(
        {
            k: v
            for k, v in view.items()
            if k
            in ("type", "title", "blocks", "submit", "close", "callback_id", "private_metadata")
        }
    )
    (nxt,) = [b for b in view["blocks"] if b["block_id"] == ids.STATUS_NEXT]
    assert nxt["element"]["initial_option"]["value"] == "1800", "SEV-2's interval by default"

    answer = declared.submit(
        view, filled(view, "Rolled back *deploy* 42 <!channel>", **{ids.STATUS_STATE: "stable"})
    )
    assert answer.json()["response_action"] == "update"
    (stored,) = declared.services.cards.open_cards()
    cadence = declared.services.store.get_cadence(stored.key)
    assert cadence is not None and cadence.last_update_at is not None, (
        "the clock starts again before the ack: no reminder while the update is posted"
    )
    assert cadence.due_at is not None and cadence.due_at > cadence.last_update_at + 1700
    (posted,) = wait_for(lambda: updates_posted(declared), what="the status update")
    card = card_message(declared)
    assert posted["thread_ts"] == card["ts"], "in the card's thread"
    shown = json.dumps(posted["blocks"])
    assert "Rolled back \\\\*deploy\\\\* 42" in shown or "Rolled back" in shown
    assert "<!channel>" not in shown, "what people type is escaped"
    assert f"<@{ALICE}>" in shown and "Stable" in shown
    assert_blocks_round_trip(posted["blocks"])

    wait_for(lambda: declared.datadog.updated_bodies(), what="the PATCH")
    wait_for(
        lambda: "Last update" in json.dumps(card_message(declared)["blocks"]),
        what="the card's status line",
    )
    (body,) = declared.datadog.updated_bodies()
    assert json.dumps(body).count("stable") == 1 and "severity" not in json.dumps(body)
    line = json.dumps(card_message(declared)["blocks"])
    assert "{ago}" in line and "next due" in line
    (card_stored,) = declared.services.cards.open_cards()
    entries = wait_for(
        lambda: [
            e
            for e in declared.services.store.entries(card_stored.incident_id)
            if e.kind is EntryKind.STATUS_UPDATE
        ],
        what="the journal entry",
    )
    assert entries[0].text.startswith("Rolled back *deploy* 42") and entries[0].actor_id == ALICE

    again = declared.submit(view, filled(view, "Rolled back *deploy* 42 <!channel>"))
    assert again.status_code == 200
    time.sleep(0.3)  # what a second post would take
    assert len(updates_posted(declared)) == 1, "a redelivery posts nothing more"
    assert len(declared.datadog.updated_bodies()) == 1, "exactly one PATCH"
    posted_count = declared.services.metrics.registry.get_sample_value(
        "declare_bot_status_updates_total"
    )
    assert posted_count == 1


def test_an_empty_update_is_answered_under_the_field(declared: LocalStack) -> None:
    view = open_post_update(declared)
    answer = declared.submit(view, filled(view, "   ")).json()
    assert answer == {
        "response_action": "errors",
        "errors": {ids.STATUS_TEXT: "Say what's happening now."},
    }
    assert updates_posted(declared) == []


def test_someone_who_may_not_change_it_is_refused(declared: LocalStack) -> None:
    declared.slack.add_channel(
        "G0SECRET", "secret", is_private=True, is_member=True, members=(ALICE,)
    )
    declared.declare("Secret thing", channel="G0SECRET")
    declared.wait_done(count=2)
    before = len(declared.slack.calls("/api/views.open"))
    assert press_card(declared, ids.POST_UPDATE_ACTION, user=CAROL, channel="G0SECRET")
    view = declared.opened_view(count=before + 1)
    assert view["title"]["text"] != "Update on IR-2" and "post a status update" in json.dumps(view)


def test_declare_update_in_an_incident_channel() -> None:
    with LocalStack(env={"DECLARE_INCIDENT_CHANNEL": "always"}) as stack:
        stack.declare("Payments down", severity="SEV-1")
        stack.wait_done()
        (card,) = stack.services.cards.open_cards()
        assert card.channel != INCIDENTS
        answer = stack.slash("update Found it: a bad index", channel=card.channel)
        assert answer.status_code == 200
        (posted,) = wait_for(lambda: updates_posted(stack, card.channel), what="the update")
        assert "Found it: a bad index" in json.dumps(posted["blocks"])
        call = [c for c in stack.slack.calls_of("chat.postMessage") if "Found it" in json.dumps(c)]
        assert call and call[0].get("reply_broadcast") in (True, "true", "1", 1), (
            "in the thread and the incident channel"
        )
        assert stack.datadog.updated_bodies() == [], "nothing changed in Datadog"
        assert len(stack.slack.calls_of("views.open")) == 1, "the declare form opened once only"

        stack.slack.add_channel("C0QUIET", "quiet", is_member=True, members=(ALICE,))
        elsewhere = stack.slash("update nope", channel="C0QUIET")
        assert elsewhere.status_code == 200
        told = wait_for(lambda: stack.slack.responses, what="the answer")
        assert "incident's own channel" in told[-1]["text"]


def test_declare_update_in_a_channel_with_one_open_incident(declared: LocalStack) -> None:
    """Slack sends a slash command without its thread: the channel's one open incident."""
    assert declared.slash("update Still investigating", channel=INCIDENTS).status_code == 200
    (posted,) = wait_for(lambda: updates_posted(declared), what="the update")
    assert posted["thread_ts"] == card_message(declared)["ts"]
    opened = [c["view"]["callback_id"] for c in declared.slack.calls_of("views.open")]
    assert opened == ["declare_modal"], "only the declaration's form: the update opens none"
    declared.declare("Second one", severity="SEV-3")
    declared.wait_done(count=2)
    assert declared.slash("update which one?", channel=INCIDENTS).status_code == 200
    told = wait_for(lambda: declared.slack.responses, what="the answer")
    assert "one open incident" in told[-1]["text"]


def test_help_names_declare_update() -> None:
    from bot.slack.declare.messages import HELP_TEXT

    assert "`/declare update " in HELP_TEXT


def test_a_text_only_update_keeps_a_severity_raised_meanwhile(declared: LocalStack) -> None:
    """Alice opens Post update at SEV-2; Bob raises it to SEV-1; Alice posts text only: her
    update changes nothing in Datadog (before: it PATCHed SEV-2 back)."""
    alices = open_post_update(declared)
    bobs = open_modal(declared, ids.UPDATE_ACTION, user=BOB)
    declared.submit(bobs, with_changes(bobs, severity="SEV-1"), user=BOB)
    wait_for(
        lambda: (
            declared.services.cards.open_cards()[0].shown.severity == "SEV-1"
            and not declared.services.cards.pending_updates()
        ),
        what="Bob's SEV-1",
    )
    answer = declared.submit(alices, filled(alices, "Still digging"))
    assert answer.json()["response_action"] == "update"
    (posted,) = wait_for(lambda: updates_posted(declared), what="Alice's update")
    assert "SEV-1" in json.dumps(posted["blocks"]), "the update shows the severity as it is"
    time.sleep(0.3)  # what a second PATCH would take
    (body,) = declared.datadog.updated_bodies()
    assert body["data"]["attributes"] == {
        "fields": {"severity": {"type": "dropdown", "value": "SEV-1"}}
    }, "only Bob's PATCH"
    (incident,) = declared.datadog.incidents.values()
    assert incident["attributes"]["fields"]["severity"]["value"] == "SEV-1"


def test_an_update_on_an_incident_resolved_meanwhile_is_refused(declared: LocalStack) -> None:
    """Alice opens Post update; Bob resolves; Alice's submit is answered under the field,
    nothing posted, and the incident is not reopened."""
    alices = open_post_update(declared)
    view = open_modal(declared, ids.RESOLVE_ACTION, user=BOB)
    values = with_changes(view)
    values[ids.POSTMORTEM_BLOCK] = {
        ids.POSTMORTEM_BLOCK: {"type": "checkboxes", "selected_options": []}
    }
    declared.submit(view, values, user=BOB)
    wait_for(
        lambda: (
            declared.services.cards.open_cards() == []
            and not declared.services.cards.pending_updates()
        ),
        what="the resolve",
    )
    answer = declared.submit(alices, filled(alices, "Back to normal?")).json()
    assert answer == {
        "response_action": "errors",
        "errors": {ids.STATUS_TEXT: "It is resolved: reopen it to post an update."},
    }
    time.sleep(0.3)
    assert updates_posted(declared) == []
    (body,) = declared.datadog.updated_bodies()
    assert "resolved" in json.dumps(body), "only Bob's resolve: nothing reopened it"
    (incident,) = declared.datadog.incidents.values()
    assert incident["attributes"]["fields"]["state"]["value"] == "resolved"


def test_declare_update_answers_slack_at_once_when_users_info_is_slow(
    declared: LocalStack,
) -> None:
    """The store scan and the access check run after the ack, on the pool: Slack is
    answered at once even when users.info takes 4 s, and the check, no longer cut short
    to fit the ack (before: refused after 0.75 s), lets the update be posted."""
    declared.slack.hold_answer("users.info", 4.0)
    started = time.monotonic()
    answer = declared.slash("update Still looking", channel=INCIDENTS, user=CAROL)
    took = time.monotonic() - started
    assert answer.status_code == 200
    assert took < 2.5, f"answered in {took:.1f} s"
    wait_for(lambda: updates_posted(declared), what="the update", timeout=10)
