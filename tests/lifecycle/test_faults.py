"""Datadog faults on an update: 5xx and 429 retried within bounds (one PATCH effect, one
note); a refusal that lasts reaches the person with Datadog's reason and Retry, and Retry
finishes the same update."""

from __future__ import annotations

import json

from bot.emulators.personas import ALICE, BOB, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import UPDATE_ACTION, UPDATE_RETRY_ACTION
from tests import figures
from tests.card_actions import card_text, open_modal, thread_notes, wait_for, with_changes
from tests.oracles import assert_blocks_round_trip

PATCH = "PATCH /api/v2/incidents/{incident_id}"


def declare(stack: LocalStack) -> None:
    stack.declare("Search slow", severity="SEV-3", commander=BOB)
    stack.wait_done()


def test_5xx_and_429_on_the_patch_are_retried(stack: LocalStack) -> None:
    declare(stack)
    stack.datadog.inject(PATCH, status=503)
    stack.datadog.inject(PATCH, status=429, headers={"X-RateLimit-Reset": "1"})
    figures.fault("update: PATCH 503 then 429")
    view = open_modal(stack, UPDATE_ACTION)
    stack.submit(view, with_changes(view, severity="SEV-2"))
    wait_for(lambda: thread_notes(stack), what="the note", timeout=15)
    assert len(stack.datadog.updated_bodies()) == 1
    assert len([r for r in stack.datadog.requests if r.method == "PATCH"]) == 3, "2 refused"
    assert "SEV-2" in card_text(stack)
    assert len(thread_notes(stack)) == 1


def test_a_lasting_refusal_reaches_the_person_with_the_reason_and_retry(
    stack: LocalStack,
) -> None:
    declare(stack)
    stack.datadog.inject(PATCH, status=403, times=50)
    figures.fault("update: PATCH 403 until fixed")
    view = open_modal(stack, UPDATE_ACTION)
    stack.submit(view, with_changes(view, severity="SEV-1"))
    notices = wait_for(
        lambda: [m for m in stack.slack.ephemerals(INCIDENTS) if m["user"] == ALICE],
        what="the failure notice",
    )
    (notice,) = notices
    shown = json.dumps(notice["blocks"])
    assert "403" in shown and UPDATE_RETRY_ACTION in shown
    assert_blocks_round_trip(notice["blocks"])
    assert "SEV-1" not in card_text(stack) and thread_notes(stack) == []

    stack.datadog.clear_faults()  # Datadog fixed (the key's role)
    button = notice["blocks"][1]["elements"][0]
    response = stack.caller.interact(retry_payload(stack, button["value"], user=BOB))
    assert response.status_code == 200
    assert "SEV-1" not in card_text(stack), "only its own person can retry it"
    stack.caller.interact(retry_payload(stack, button["value"], user=ALICE))
    wait_for(lambda: thread_notes(stack), what="the note after Retry")
    assert "SEV-1" in card_text(stack)
    assert stack.services.cards.pending_updates() == []
    assert len(stack.datadog.updated_bodies()) == 1


def retry_payload(stack: LocalStack, value: str, *, user: str) -> dict:  # type: ignore[type-arg]
    from bot.emulators.slack.inbound import block_actions

    return block_actions(
        UPDATE_RETRY_ACTION,
        value,
        user_id=user,
        channel_id=INCIDENTS,
        response_url=stack.slack.response_url(),
        trigger_id=stack.slack.issue_trigger(),
    )
