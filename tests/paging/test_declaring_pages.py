"""Declaring can page: the form's optional Page fields, sent once the incident exists, as a
step of the declaration; told in the thread reply; refusals never fail the declaration."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.domain.declare.record import Step
from bot.emulators.personas import ALICE, BOB, CAROL, INCIDENTS
from bot.emulators.slack.inbound import declare_form_values, option_value
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from bot.slack.declare.form.page_field import BOTH
from tests.oracles import assert_view_round_trips


def page_fields(
    *, team: str | None = None, label: str = "", person: str | None = None
) -> dict[str, Any]:
    chosen: dict[str, Any] = {"type": "external_select", "selected_option": None}
    if team:
        chosen = option_value(team, "external_select")
        chosen["selected_option"]["text"]["text"] = label or team
    return {
        ids.PAGE_TEAM_BLOCK: {ids.PAGE_TEAM_BLOCK: chosen},
        ids.PAGE_PERSON_BLOCK: {
            ids.PAGE_PERSON_BLOCK: {"type": "users_select", "selected_user": person}
        },
    }


def reply_text(stack: LocalStack) -> str:
    card_ts = stack.services.store.all()[0].announce_ts
    replies = [m for m in stack.slack.messages(INCIDENTS) if m.get("thread_ts") == card_ts]
    return str(replies[0]["blocks"]) if replies else ""


@pytest.fixture
def teams(stack: LocalStack) -> LocalStack:
    stack.datadog.add_team("db", "Databases")
    return stack


def test_the_form_offers_a_team_or_a_person_to_page(teams: LocalStack) -> None:
    stack = teams
    stack.slash()
    view = stack.opened_view()
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[ids.PAGE_TEAM_BLOCK]["element"]["type"] == "external_select"
    assert blocks[ids.PAGE_TEAM_BLOCK].get("optional") is True
    assert blocks[ids.PAGE_PERSON_BLOCK]["element"]["type"] == "users_select"
    assert_view_round_trips({k: view[k] for k in ("type", "title", "submit", "close", "blocks")})
    assert stack.suggest(view, ids.PAGE_TEAM_BLOCK, "data")[0]["value"] == "db"


def test_a_team_is_paged_once_the_incident_exists_and_the_reply_says_so(teams: LocalStack) -> None:
    stack = teams
    response = stack.declare(
        "Checkout API 5xx",
        summary="Payments failing",
        extra=page_fields(team="db", label="Databases (db)"),
    )
    assert response.status_code == 200, response.text
    stack.wait_done()
    [page] = stack.datadog.sent_pages()
    [incident] = stack.datadog.incidents.values()
    assert page["incident_id"] == incident["id"]
    assert page["attributes"]["target"] == {"type": "team_handle", "identifier": "db"}
    assert (
        page["attributes"]["title"]
        == f"[IR-{incident['attributes']['public_id']}] Checkout API 5xx"
    )
    assert page["attributes"]["description"] == "Payments failing"
    record = stack.services.store.all()[0]
    assert record.step is Step.DONE and record.page_sent is not None
    assert record.page_sent.page_id == page["page_id"]
    assert f"Paged Databases (db): page id {page['page_id']}" in reply_text(stack)
    paged = [e for e in stack.services.journal.entries(incident["id"]) if e.kind == "paged"]
    assert [(e.data["page_id"], e.actor_id) for e in paged] == [(page["page_id"], ALICE)]
    assert paged[0].text == "Paged Databases while declaring: Payments failing"


def test_a_person_is_found_by_email_and_paged(teams: LocalStack) -> None:
    stack = teams
    stack.declare("Search slow", extra=page_fields(person=BOB))
    stack.wait_done()
    [page] = stack.datadog.sent_pages()
    assert page["attributes"]["target"] == {"type": "user_uuid", "identifier": stack.users[BOB]}
    assert f"Paged <@{BOB}>: page id" in reply_text(stack)


@pytest.mark.parametrize(
    ("fields", "block", "says"),
    [
        (page_fields(team="db", person=BOB), ids.PAGE_TEAM_BLOCK, BOTH),
        (page_fields(person=CAROL), ids.PAGE_PERSON_BLOCK, "No active Datadog user"),
    ],
)
def test_a_bad_page_choice_is_answered_under_its_field_and_nothing_is_declared(
    teams: LocalStack, fields: dict[str, Any], block: str, says: str
) -> None:
    stack = teams
    answer = stack.declare("Not yet", extra=fields).json()
    assert answer["response_action"] == "errors"
    assert says in answer["errors"][block]
    assert stack.datadog.created_bodies() == [] and stack.datadog.sent_pages() == []


def test_a_refused_page_is_told_and_the_incident_still_stands(teams: LocalStack) -> None:
    stack = teams
    stack.datadog.on_call = False
    stack.declare("No on-call here", commander=ALICE, extra=page_fields(team="db"))
    stack.wait_done()
    record = stack.services.store.all()[0]
    assert record.step is Step.DONE
    assert stack.datadog.sent_pages() == []
    text = reply_text(stack)
    assert (
        "Couldn't page db: Datadog refused the page: this Datadog org does not have On-Call" in text
    )


def test_a_lost_page_answer_is_never_sent_again(teams: LocalStack) -> None:
    stack = teams
    stack.datadog.inject("POST /api/v2/incidents/{iid}/page", lose_response=True)
    stack.declare("Lost answer", extra=page_fields(team="db"))
    stack.wait_done()
    assert len(stack.datadog.sent_pages()) == 1
    assert "The page to db may have been sent" in reply_text(stack)


def test_a_slow_users_api_still_acks_a_declaration_with_a_person_to_page(
    teams: LocalStack,
) -> None:
    """The commander's and the paged person's lookups share one budget: Slack's users.info
    answering in 5 s still leaves the ack well inside Slack's 3 s."""
    stack = teams
    assert stack.slash().status_code == 200
    view = stack.opened_view()
    stack.slack.latency["/api/users.info"] = 5.0
    values = declare_form_values(
        title="Search slow", commander=BOB, extra=page_fields(person=CAROL)
    )
    started = time.monotonic()
    response = stack.submit(view, values)
    took = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert response.json()["response_action"] == "update"
    assert took < 2.5, f"acked after {took:.2f}s"
    stack.slack.latency.pop("/api/users.info", None)
