"""The postmortem on resolve and from the card, over real HTTP, created exactly once.

The journal's entries (status updates, captured messages) are written through the store,
as the cadence and capture features write them; Datadog's postmortem body is checked with
the official `PostmortemAttachmentRequest` (by the emulator, and here).
"""

from __future__ import annotations

import json
import time
from typing import Any

from datadog_api_client.v2.model.postmortem_attachment_request import (
    PostmortemAttachmentRequest,
)

from bot.domain.incident.journal import EntryKind, JournalEntry
from bot.domain.lifecycle.chores import ChoreStep
from bot.domain.record.postmortem_chore import postmortem_chore_key
from bot.emulators.datadog.validate import model_error
from bot.emulators.personas import ALICE, BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import (
    CHORE_RETRY_ACTION,
    POSTMORTEM_ACTION,
    POSTMORTEM_BLOCK,
    RESOLVE_ACTION,
)
from tests.card_actions import (
    card_message,
    card_text,
    open_modal,
    press_card,
    thread_notes,
    wait_for,
    with_changes,
)
from tests.oracles import assert_blocks_round_trip

ROUTE = "POST /api/v2/incidents/{incident_id}/attachments/postmortems"
PATH = "/attachments/postmortems"


def declared(stack: LocalStack, title: str = "Checkout errors") -> str:
    stack.declare(title, severity="SEV-2", commander=BOB)
    stack.wait_done()
    (incident,) = stack.datadog.incidents.values()
    return str(incident["id"])


def keep_the_record(stack: LocalStack, incident_id: str) -> list[str]:
    """Status updates and captured messages, written through the journal out of order;
    the texts, in the order they happened."""
    now = time.time()
    entries = [
        (30, EntryKind.STATUS_UPDATE, BOB, "Fix deployed; error rate falling.", None),
        (10, EntryKind.CAPTURED, ALICE, "Errors began after the 14:02 deploy", "p10"),
        (20, EntryKind.STATUS_UPDATE, ALICE, "Rolling back the deploy <!channel>", None),
        (25, EntryKind.CAPTURED, BOB, "Root cause: config flag <@U0ALICE> flipped", "p25"),
        (5, EntryKind.STATUS_UPDATE, BOB, "Investigating checkout 500s.", None),
    ]
    for seconds, kind, actor, text, link in entries:
        stack.services.journal.add_entry(
            JournalEntry(
                key=f"{kind.value}:{seconds}",
                incident_id=incident_id,
                at=now - 60 + seconds,
                kind=kind,
                actor_id=actor,
                text=text,
                permalink=f"https://emulator.slack.com/archives/{INCIDENTS}/{link}"
                if link
                else None,
                data={"author_id": actor} if kind is EntryKind.CAPTURED else {},
            )
        )
    return [text.split(" <")[0] for _, _, _, text, _ in sorted(entries)]


def postmortem_calls(stack: LocalStack) -> list[Any]:
    return [c for c in stack.datadog.calls(method="POST") if c.path.endswith(PATH)]


def resolve(stack: LocalStack, *, draft: bool) -> dict[str, Any]:
    view = open_modal(stack, RESOLVE_ACTION)
    values = with_changes(view)
    if not draft:
        values[POSTMORTEM_BLOCK] = {
            POSTMORTEM_BLOCK: {"type": "checkboxes", "selected_options": []}
        }
    response = stack.submit(view, values)
    assert response.status_code == 200, response.text
    return view


def test_resolving_with_the_box_checked_drafts_one_postmortem_with_the_record(
    stack: LocalStack,
) -> None:
    incident_id = declared(stack)
    said = keep_the_record(stack, incident_id)
    view = resolve(stack, draft=True)
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), "Slack refuses a view with a block_id twice"
    box = next(b for b in view["blocks"] if b["block_id"] == POSTMORTEM_BLOCK)
    assert box["element"]["initial_options"][0]["value"] == "yes", "checked by default"

    wait_for(lambda: stack.datadog.postmortem_bodies(incident_id), what="the postmortem")
    wait_for(
        lambda: any("Postmortem drafted" in json.dumps(n) for n in thread_notes(stack)),
        what="the thread note",
    )
    (call,) = postmortem_calls(stack)
    assert model_error(call.json(), PostmortemAttachmentRequest) is None
    (sent,) = stack.datadog.postmortem_bodies(incident_id)
    assert sent["title"] == "Postmortem: IR-1 Checkout errors"
    text = "\n".join(c["attributes"]["definition"]["content"] for c in sent["cells"])
    places = [text.index(s) for s in said]
    assert places == sorted(places), "every status update and message, in time order"
    assert "Resolved by" in text and text.index("Resolved by") > places[-1]
    assert "`@channel`" in text and "<!channel>" not in text and "<@U0ALICE>" not in text
    assert f"[Open in Slack](https://emulator.slack.com/archives/{INCIDENTS}/p10)" in text

    url = stack.datadog.attachments[incident_id][0]["attributes"]["attachment"]["documentUrl"]
    card = card_message(stack)
    assert_blocks_round_trip(card["blocks"])
    button = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == POSTMORTEM_ACTION
    )
    assert button["url"] == url, "the card links it"
    note = next(n for n in thread_notes(stack) if "Postmortem drafted" in json.dumps(n))
    assert url in json.dumps(note) and f"<@{ALICE}>" in json.dumps(note)
    kept = [
        e for e in stack.services.journal.entries(incident_id) if e.kind is EntryKind.POSTMORTEM
    ]
    assert [e.permalink for e in kept] == [url]


def test_postmortem_pressed_twice_is_one(stack: LocalStack) -> None:
    incident_id = declared(stack)
    resolve(stack, draft=False)
    wait_for(lambda: any("resolved" in json.dumps(n) for n in thread_notes(stack)), what="resolve")
    assert postmortem_calls(stack) == []
    stack.datadog.inject(ROUTE, delay=0.5)  # the second press comes while the first is sending
    for user in (ALICE, BOB):
        assert press_card(stack, POSTMORTEM_ACTION, user=user).status_code == 200
    wait_for(lambda: len(stack.slack.responses) >= 2, what="both answers")
    wait_for(
        lambda: any("Postmortem drafted" in json.dumps(n) for n in thread_notes(stack)),
        what="the thread note",
    )
    assert press_card(stack, POSTMORTEM_ACTION, user=BOB).status_code == 200
    wait_for(lambda: len(stack.slack.responses) >= 3, what="the third answer")
    assert len(stack.datadog.postmortem_bodies(incident_id)) == 1
    assert len(postmortem_calls(stack)) == 1
    answers = [r["text"] for r in stack.slack.responses[-3:]]
    assert answers[0].startswith(":memo: Drafting the postmortem of IR-1")
    assert "being drafted" in answers[1] or "in Datadog" in answers[1]
    assert "is <https://app.datadoghq.com/notebook/" in answers[2]


def test_a_lost_answer_is_looked_for_and_not_made_again(stack: LocalStack) -> None:
    incident_id = declared(stack)
    resolve(stack, draft=False)
    wait_for(lambda: any("resolved" in json.dumps(n) for n in thread_notes(stack)), what="resolve")
    stack.datadog.inject(ROUTE, lose_response=True)
    assert press_card(stack, POSTMORTEM_ACTION).status_code == 200
    wait_for(
        lambda: any("Postmortem drafted" in json.dumps(n) for n in thread_notes(stack)),
        what="the thread note",
    )
    assert len(postmortem_calls(stack)) == 1, "the answer was lost; it was found, not resent"
    assert len(stack.datadog.postmortem_bodies(incident_id)) == 1
    store, key = stack.services.chores.store, postmortem_chore_key(incident_id)
    wait_for(lambda: (c := store.get_chore(key)) and c.step is ChoreStep.DONE, what="done")


def test_a_failure_is_told_with_retry_and_the_retry_makes_one(stack: LocalStack) -> None:
    incident_id = declared(stack)
    resolve(stack, draft=False)
    wait_for(lambda: any("resolved" in json.dumps(n) for n in thread_notes(stack)), what="resolve")
    stack.datadog.permissions.discard("incident_write")
    assert press_card(stack, POSTMORTEM_ACTION).status_code == 200
    told = wait_for(
        lambda: [
            m for m in stack.slack.ephemerals(INCIDENTS) if "draft the postmortem" in json.dumps(m)
        ],
        what="the failure",
    )
    shown = json.dumps(told[-1])
    assert "incident_write" in shown and CHORE_RETRY_ACTION in shown
    assert stack.datadog.postmortem_bodies(incident_id) == []
    stack.datadog.permissions.add("incident_write")
    key = postmortem_chore_key(incident_id)
    stack.services.chores.retry(key)
    assert len(stack.datadog.postmortem_bodies(incident_id)) == 1
    assert stack.services.chores.store.get_chore(key).step is ChoreStep.DONE  # type: ignore[union-attr]


def test_always_drafts_on_every_resolve_without_asking() -> None:
    with LocalStack(env={"DECLARE_POSTMORTEM": "always"}) as stack:
        incident_id = declared(stack)
        view = open_modal(stack, RESOLVE_ACTION)
        assert POSTMORTEM_BLOCK not in [b["block_id"] for b in view["blocks"]]
        assert stack.submit(view, with_changes(view)).status_code == 200
        wait_for(lambda: stack.datadog.postmortem_bodies(incident_id), what="the postmortem")
        wait_for(
            lambda: any("Postmortem drafted" in json.dumps(n) for n in thread_notes(stack)),
            what="the thread note",
        )
        assert len(stack.datadog.postmortem_bodies(incident_id)) == 1


def test_never_offers_nothing_and_the_card_has_no_postmortem() -> None:
    with LocalStack(env={"DECLARE_POSTMORTEM": "never"}) as stack:
        declared(stack)
        view = open_modal(stack, RESOLVE_ACTION)
        assert POSTMORTEM_BLOCK not in [b["block_id"] for b in view["blocks"]]
        assert stack.submit(view, with_changes(view)).status_code == 200
        wait_for(lambda: "✅" in card_text(stack), what="the resolved card")
        actions = [
            e["action_id"]
            for b in card_message(stack)["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        assert POSTMORTEM_ACTION not in actions
        assert press_card(stack, POSTMORTEM_ACTION).status_code == 200  # an old card's button
        answer = wait_for(lambda: stack.slack.responses, what="the answer")[-1]
        assert "turned off" in answer["text"]
        time.sleep(0.2)
        assert postmortem_calls(stack) == []


def test_the_record_kept_by_the_other_features_is_in_the_draft(stack: LocalStack) -> None:
    """Through their real flows: a message added with the shortcut, a status update from
    Post update, a to-do added and completed in Datadog; then resolve with the box."""
    from bot.datadog.record_models import (
        IncidentTodoCreateRequest,
        TodoAttributes,
        TodoCreateData,
    )
    from tests.cadence.test_post_update import filled, open_post_update, updates_posted
    from tests.record.helpers import notes_in_thread, shortcut, the_card

    incident_id = declared(stack)
    card = the_card(stack)
    ts = stack.slack.post_as_user(
        INCIDENTS, BOB, "db primary at 100% CPU <!here>", thread_ts=card.thread_ts
    )
    assert shortcut(stack, INCIDENTS, ts, user=ALICE).status_code == 200
    wait_for(lambda: notes_in_thread(stack, card, "db primary"), what="the capture")
    view = open_post_update(stack)
    assert stack.submit(view, filled(view, "Failing over the primary")).status_code == 200
    wait_for(lambda: updates_posted(stack), what="the status update")
    todo = TodoAttributes(content="Alert on replica lag")
    made = stack.services.datadog.create_todo(
        incident_id, IncidentTodoCreateRequest(data=TodoCreateData(attributes=todo))
    )
    stack.datadog.complete_todo(incident_id, made.id, "2026-12-07T03:00:00+00:00")

    resolve(stack, draft=True)
    (sent,) = wait_for(lambda: stack.datadog.postmortem_bodies(incident_id), what="the draft")
    text = "\n".join(c["attributes"]["definition"]["content"] for c in sent["cells"])
    said = [
        "Message from Bob Oncall (added by Alice Ops)",
        "> db primary at 100% CPU `@here`",
        "Status update by Alice Ops",
        "> Failing over the primary",
        "Resolved by",
    ]
    places = [text.index(s) for s in said]
    assert places == sorted(places), text
    assert "- [x] Alert on replica lag" in text, "Datadog's to-dos, done in Datadog"


def test_an_incident_channel_archived_on_resolve_gets_the_link_to_the_person() -> None:
    """The card and its thread are in the incident channel, archived by the resolve: the
    postmortem is drafted all the same, the card's record keeps the link, and the person who
    asked is told it (by DM: the channel takes no ephemeral), never a failure with Retry."""
    env = {"DECLARE_INCIDENT_CHANNEL": "always", "DECLARE_ARCHIVE_ON_RESOLVE": "true"}
    with LocalStack(env=env) as stack:
        incident_id = declared(stack)
        (card,) = stack.services.cards.open_cards()
        view = open_modal(stack, RESOLVE_ACTION, channel=card.channel)
        assert stack.submit(view, with_changes(view)).status_code == 200
        store, key = stack.services.chores.store, postmortem_chore_key(incident_id)
        wait_for(lambda: (c := store.get_chore(key)) and c.step is ChoreStep.DONE, what="done")
        assert len(stack.datadog.postmortem_bodies(incident_id)) == 1
        url = stack.datadog.attachments[incident_id][0]["attributes"]["attachment"]["documentUrl"]
        assert stack.services.cards.get_card(card.key).postmortem_url == url  # type: ignore[union-attr]
        told = [
            m
            for m in stack.slack.calls_of("chat.postMessage")
            if "Postmortem drafted" in str(m.get("text")) and m.get("channel") != card.channel
        ]
        assert told and url in str(told[-1]["text"])
        assert CHORE_RETRY_ACTION not in json.dumps(stack.slack.calls_of("chat.postMessage"))


def test_reopened_and_resolved_again_the_postmortem_is_not_offered_twice(
    stack: LocalStack,
) -> None:
    from bot.slack.common.ids import REOPEN_ACTION

    incident_id = declared(stack)
    resolve(stack, draft=True)
    store, key = stack.services.chores.store, postmortem_chore_key(incident_id)
    wait_for(lambda: (c := store.get_chore(key)) and c.step is ChoreStep.DONE, what="done")
    assert press_card(stack, REOPEN_ACTION).status_code == 200
    wait_for(lambda: "Resolve" in json.dumps(card_message(stack)), what="reopened")
    view = open_modal(stack, RESOLVE_ACTION)
    blocks = [b for b in view["blocks"] if b.get("block_id") == POSTMORTEM_BLOCK]
    assert blocks == [], "no box: it is drafted once"
    assert any("already in Datadog" in json.dumps(b) for b in view["blocks"])
    assert_blocks_round_trip(view["blocks"])
    assert stack.submit(view, with_changes(view)).status_code == 200
    wait_for(lambda: "Reopen" in json.dumps(card_message(stack)), what="resolved again")
    assert len(stack.datadog.postmortem_bodies(incident_id)) == 1


def test_draft_on_resolve_retries_an_earlier_failed_attempt(stack: LocalStack) -> None:
    """The Postmortem button failed earlier; "Draft the postmortem" on resolve retries that
    chore (one per incident) instead of dropping the ask silently."""
    incident_id = declared(stack)
    key = postmortem_chore_key(incident_id)
    stack.datadog.permissions.discard("incident_write")
    try:
        assert press_card(stack, POSTMORTEM_ACTION).status_code == 200
        store = stack.services.chores.store
        wait_for(
            lambda: (c := store.get_chore(key)) and c.step is ChoreStep.FAILED,
            what="the failed attempt",
        )
    finally:
        stack.datadog.permissions.add("incident_write")
    resolve(stack, draft=True)
    wait_for(lambda: stack.datadog.postmortem_bodies(incident_id), what="the draft on resolve")
    done = wait_for(
        lambda: (c := stack.services.chores.store.get_chore(key)) and c.step is ChoreStep.DONE,
        what="the chore done",
    )
    assert done
    assert len(stack.datadog.postmortem_bodies(incident_id)) == 1
