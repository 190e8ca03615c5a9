"""To-dos end to end over real HTTP: the card's Add to-do, `/declare todo`, the list in the
card's thread with its checkboxes, a to-do changed in Datadog reaching the list, and an
assignee without a Datadog account told clearly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.domain.incident.journal import EntryKind
from bot.emulators.card_driver import open_modal, press_todo_box
from bot.emulators.personas import ALICE, BOB, CAROL, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import (
    RESOLVE_ACTION,
    RESOLVE_CALLBACK,
    TODO_ACTION,
    TODO_CALLBACK,
    TODO_SHORTCUT,
)
from bot.slack.declare.messages import HELP_TEXT
from bot.slack.lifecycle.card_actions import STORE_DOWN
from bot.slack.record.blocks import TODO_ASSIGNEE_BLOCK, TODO_CONTENT_BLOCK, TODO_DUE_BLOCK
from tests.card_actions import wait_for, with_changes
from tests.channel.test_incident_channel import channel_stack, made
from tests.oracles import assert_blocks_round_trip, assert_view_round_trips
from tests.record.helpers import checkboxes, press_checkbox, shortcut, the_card, todo_list_message


def todo_values(
    content: str, assignee: str | None = None, due: str | None = None
) -> dict[str, Any]:
    return {
        TODO_CONTENT_BLOCK: {TODO_CONTENT_BLOCK: {"type": "plain_text_input", "value": content}},
        TODO_ASSIGNEE_BLOCK: {
            TODO_ASSIGNEE_BLOCK: {"type": "users_select", "selected_user": assignee}
        },
        TODO_DUE_BLOCK: {TODO_DUE_BLOCK: {"type": "datepicker", "selected_date": due}},
    }


def todos(stack: LocalStack, incident_id: str) -> list[dict[str, Any]]:
    with stack.datadog.lock:
        return [
            dict(t["attributes"], id=t["id"])
            for t in stack.datadog.todos.get(incident_id, {}).values()
        ]


def kinds(stack: LocalStack, incident_id: str) -> list[tuple[EntryKind, str | None]]:
    return [
        (e.kind, e.actor_id)
        for e in stack.services.journal.entries(incident_id)
        if e.kind.value.startswith("todo")
    ]


@pytest.fixture(scope="module")
def incident() -> Iterator[LocalStack]:
    stack = channel_stack(DECLARE_SYNC_INTERVAL="0.3")
    stack.declare("Login errors", severity="SEV-2", commander=BOB)
    stack.wait_done()
    yield stack
    stack.stop()


def test_add_to_do_on_the_card_lists_it_and_the_boxes_complete_and_reopen(
    incident: LocalStack,
) -> None:
    stack = incident
    card = the_card(stack)
    view = open_modal(stack, TODO_ACTION, channel=card.channel)
    assert view["callback_id"] == TODO_CALLBACK
    assert_view_round_trips(
        {
            k: v
            for k, v in view.items()
            if k
            in ("type", "callback_id", "private_metadata", "title", "submit", "close", "blocks")
        }
    )
    response = stack.submit(view, todo_values("Rotate the signing key", BOB, "2026-12-24"))
    assert response.status_code == 200 and not response.content.strip()
    [todo] = wait_for(lambda: todos(stack, card.incident_id), what="the to-do in Datadog")
    assert todo["content"] == "Rotate the signing key"
    assert todo["assignees"] == ["@bob.oncall@example.com"]
    assert todo["due_date"].startswith("2026-12-24")
    listed = todo_list_message(stack, card)
    assert listed["thread_ts"] == card.thread_ts
    assert_blocks_round_trip(listed["blocks"])
    [box] = checkboxes(listed)
    assert box["options"][0]["value"] == todo["id"] and "initial_options" not in box
    assert press_checkbox(stack, card, todo["id"], user=BOB).status_code == 200
    wait_for(lambda: todos(stack, card.incident_id)[0]["completed"], what="completed in Datadog")
    wait_for(
        lambda: checkboxes(todo_list_message(stack, card))[0].get("initial_options"), what="checked"
    )
    assert press_checkbox(stack, card, todo["id"], user=BOB).status_code == 200
    wait_for(lambda: todos(stack, card.incident_id)[0]["completed"] is None, what="reopened")
    wait_for(
        lambda: "initial_options" not in checkboxes(todo_list_message(stack, card))[0],
        what="unchecked",
    )
    assert kinds(stack, card.incident_id)[:3] == [
        (EntryKind.TODO_ADDED, ALICE),
        (EntryKind.TODO_DONE, BOB),
        (EntryKind.TODO_REOPENED, BOB),
    ]
    # one list message, edited in place
    assert stack.slack.edits(card.channel, listed["ts"])


def test_a_to_do_completed_in_datadog_reaches_the_list(incident: LocalStack) -> None:
    stack = incident
    card = the_card(stack)
    response = stack.slash("todo Write the customer note tomorrow", channel=card.channel)
    assert "Adding the to-do" in response.json()["text"]
    [todo] = wait_for(
        lambda: [
            t for t in todos(stack, card.incident_id) if t["content"] == "Write the customer note"
        ],
        what="the to-do",
    )
    wait_for(
        lambda: any(
            o["value"] == todo["id"]
            for e in checkboxes(todo_list_message(stack, card))
            for o in e["options"]
        ),
        what="listed",
    )
    stack.datadog.complete_todo(card.incident_id, todo["id"], "2026-12-07T03:00:00+00:00")
    wait_for(
        lambda: any(
            o["value"] == todo["id"]
            for e in checkboxes(todo_list_message(stack, card))
            for o in e.get("initial_options", [])
        ),
        what="the sync to check it",
    )
    assert (EntryKind.TODO_DONE, None) in kinds(stack, card.incident_id)
    still_open = len([t for t in todos(stack, card.incident_id) if not t["completed"]])
    wait_for(  # the list's message is edited just before its count is saved
        lambda: stack.services.todo_lists.open_count(card.key) == still_open,
        what="the list's open count",
    )


def test_an_assignee_without_a_datadog_account_is_told_clearly(incident: LocalStack) -> None:
    stack = incident
    card = the_card(stack)
    before = len(todos(stack, card.incident_id))
    answer = stack.slash(f"todo Call the vendor <@{CAROL}|carol>", channel=card.channel).json()
    assert f"<@{CAROL}> has no Datadog account" in answer["text"]
    assert "Nothing was added" in answer["text"]
    # As real Slack sends it (the manifests don't escape): `@carol`, a name, not a person.
    answer = stack.slash("todo Call the vendor @carol tomorrow", channel=card.channel).json()
    assert "can't tell who @carol is" in answer["text"] and "*Add to-do*" in answer["text"]
    assert "`/declare todo Call the vendor @carol tomorrow`" in answer["text"]
    view = open_modal(stack, TODO_ACTION, channel=card.channel)
    response = stack.submit(view, todo_values("Call the vendor", CAROL))
    errors = response.json()["errors"]
    assert "has no Datadog account" in errors[TODO_ASSIGNEE_BLOCK]
    assert len(todos(stack, card.incident_id)) == before


def test_todo_outside_an_incident_channel_says_where_it_works(incident: LocalStack) -> None:
    answer = incident.slash("todo Something", channel=INCIDENTS).json()
    assert "works in an incident's own channel" in answer["text"]
    empty = incident.slash("todo", channel=the_card(incident).channel).json()
    assert "Say what needs doing" in empty["text"]
    assert "`/declare todo " in HELP_TEXT


def test_add_as_to_do_on_a_message_prefills_the_modal(incident: LocalStack) -> None:
    stack = incident
    [channel] = made(stack)
    ts = stack.slack.post_as_user(
        channel["id"],
        BOB,
        "<!channel> <@U0ALICE|alice> we should add an alert on login 5xx &lt; 1%",
    )
    views = len(stack.slack.views)
    assert shortcut(stack, channel["id"], ts, callback_id=TODO_SHORTCUT).status_code == 200
    view = wait_for(lambda: list(stack.slack.views.values())[views:], what="the modal")[0]
    content = next(b for b in view["blocks"] if b.get("block_id") == TODO_CONTENT_BLOCK)
    assert content["element"]["initial_value"] == (
        "@channel @alice we should add an alert on login 5xx < 1%"
    )
    response = stack.submit(view, todo_values("Add an alert on login 5xx"))
    assert response.status_code == 200 and not response.content.strip()
    card = the_card(stack)
    wait_for(
        lambda: [
            t for t in todos(stack, card.incident_id) if t["content"] == "Add an alert on login 5xx"
        ],
        what="the to-do from the message",
    )


def test_resolving_names_the_open_to_dos_without_blocking(incident: LocalStack) -> None:
    stack = incident
    card = the_card(stack)
    view = open_modal(stack, TODO_ACTION, channel=card.channel)  # one open, whatever came before
    stack.submit(view, todo_values("Tell the status page readers", BOB, "2026-12-24"))
    wait_for(
        lambda: any(
            t["content"] == "Tell the status page readers" for t in todos(stack, card.incident_id)
        ),
        what="the to-do in Datadog",
    )
    open_now = len([t for t in todos(stack, card.incident_id) if not t["completed"]])
    wait_for(  # the list shows what Datadog has
        lambda: stack.services.todo_lists.open_count(card.key) == open_now,
        what="the open to-dos listed",
    )
    view = open_modal(stack, RESOLVE_ACTION, channel=card.channel)
    assert view["callback_id"] == RESOLVE_CALLBACK
    word = "to-do" if open_now == 1 else "to-dos"
    said = [b["elements"][0]["text"] for b in view["blocks"] if b["type"] == "context"]
    assert f"☑️ {open_now} {word} still open" in said
    assert view["submit"]["text"] == "Resolve"  # said, not blocking


def test_a_to_do_whose_answer_was_lost_is_found_not_added_twice(incident: LocalStack) -> None:
    stack = incident
    card = the_card(stack)
    route = "POST /api/v2/incidents/{incident_id}/relationships/todos"
    stack.datadog.inject(route, lose_response=True)
    stack.slash("todo Renew the certificate", channel=card.channel)
    wait_for(
        lambda: "Renew the certificate" in str(todo_list_message(stack, card)["blocks"]),
        what="listed",
    )
    renewed = [t for t in todos(stack, card.incident_id) if t["content"] == "Renew the certificate"]
    assert len(renewed) == 1


def test_a_checkbox_the_store_cannot_keep_is_told_not_lost(incident: LocalStack) -> None:
    stack = incident
    card = the_card(stack)
    stack.slash("todo Check the backups", channel=card.channel)
    [todo] = wait_for(
        lambda: [t for t in todos(stack, card.incident_id) if t["content"] == "Check the backups"],
        what="the to-do",
    )
    wait_for(lambda: todo["id"] in str(todo_list_message(stack, card)), what="listed")
    store: Any = stack.services.store
    with store._lock:  # the store refuses to keep a to-do check (a disk full, a lock)
        store._db.execute(
            "CREATE TEMP TRIGGER no_checks BEFORE INSERT ON incident_docs "
            "WHEN NEW.key LIKE 'ch-todo.check-%' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    try:
        responses = len(stack.slack.responses)
        assert press_checkbox(stack, card, todo["id"], user=BOB).status_code == 200
        told = wait_for(lambda: stack.slack.responses[responses:], what="the answer")
        assert STORE_DOWN in told[0]["text"]
    finally:
        with store._lock:
            store._db.execute("DROP TRIGGER no_checks")
    assert not [t for t in todos(stack, card.incident_id) if t["id"] == todo["id"]][0]["completed"]


def test_the_list_keeps_working_after_resolve() -> None:
    """Resolved, the card leaves the open cards: a box on its list still completes the to-do,
    and a to-do completed in Datadog still reaches the list (the sync follows it on)."""
    stack = LocalStack(env={"DECLARE_SYNC_INTERVAL": "0.3"}).start()
    try:
        stack.declare("Cache stampede", severity="SEV-2", commander=BOB)
        stack.wait_done()
        card = the_card(stack)
        for text in ("Warm the cache", "Add jitter to the TTLs"):
            stack.submit(open_modal(stack, TODO_ACTION, channel=card.channel), todo_values(text))
        wait_for(
            lambda: len(checkboxes(todo_list_message(stack, card))[0]["options"]) == 2,
            what="both listed",
        )
        warm, jitter = sorted(
            todos(stack, card.incident_id), key=lambda t: t["content"] != "Warm the cache"
        )
        view = open_modal(stack, RESOLVE_ACTION, channel=card.channel)
        assert stack.submit(view, with_changes(view)).status_code == 200
        wait_for(lambda: not stack.services.cards.open_cards(), what="resolved")
        assert press_checkbox(stack, card, warm["id"], user=BOB).status_code == 200
        wait_for(
            lambda: next(t for t in todos(stack, card.incident_id) if t["id"] == warm["id"])[
                "completed"
            ],
            what="completed in Datadog after resolve",
        )
        stack.datadog.complete_todo(card.incident_id, jitter["id"], "2026-12-07T03:00:00+00:00")
        wait_for(
            lambda: (
                len(checkboxes(todo_list_message(stack, card))[0].get("initial_options", [])) == 2
            ),
            what="the sync to check it after resolve",
        )
        assert (EntryKind.TODO_DONE, BOB) in kinds(stack, card.incident_id)
        assert (EntryKind.TODO_DONE, None) in kinds(stack, card.incident_id)
    finally:
        stack.stop()


def test_a_long_to_do_checked_is_journaled_whole(incident: LocalStack) -> None:
    """The box's label is cut short; the journal keeps the to-do's whole text, as Datadog
    holds it (the sync keys the same fact, so a cut entry would win over it)."""
    stack = incident
    card = the_card(stack)
    long = "Write down " + "every step of the failover runbook " * 4 + "and review it"
    stack.submit(open_modal(stack, TODO_ACTION, channel=card.channel), todo_values(long))
    [todo] = wait_for(
        lambda: [t for t in todos(stack, card.incident_id) if t["content"] == long],
        what="the to-do",
    )
    wait_for(lambda: todo["id"] in str(todo_list_message(stack, card)), what="listed")
    assert press_checkbox(stack, card, todo["id"], user=BOB).status_code == 200
    [done] = wait_for(
        lambda: [
            e
            for e in stack.services.journal.entries(card.incident_id)
            if e.kind is EntryKind.TODO_DONE and e.data.get("todo_id") == todo["id"]
        ],
        what="the completion journaled",
    )
    assert done.text == long and done.actor_id == BOB


def test_a_journal_that_cannot_keep_an_entry_does_not_fail_the_to_do(incident: LocalStack) -> None:
    stack = incident
    card = the_card(stack)
    store: Any = stack.services.store
    with store._lock:  # the journal refuses its entries (the record misses a line)
        store._db.execute(
            "CREATE TEMP TRIGGER no_journal BEFORE INSERT ON incident_docs "
            "WHEN NEW.kind = 'journal' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    try:
        stack.slash("todo Rotate the webhook secret", channel=card.channel)
        [todo] = wait_for(
            lambda: [
                t
                for t in todos(stack, card.incident_id)
                if t["content"] == "Rotate the webhook secret"
            ],
            what="the to-do",
        )
        wait_for(lambda: todo["id"] in str(todo_list_message(stack, card)), what="listed")
        assert press_checkbox(stack, card, todo["id"], user=BOB).status_code == 200
        wait_for(
            lambda: any(
                todo["id"] in str(e.get("initial_options", []))
                for e in checkboxes(todo_list_message(stack, card))
            ),
            what="checked on the list",
        )
    finally:
        with store._lock:
            store._db.execute("DROP TRIGGER no_journal")
    wait_for(  # the list is edited just before its chore is saved done: none left behind
        lambda: (
            not [c for c in stack.services.chores.store.pending_chores() if c.card_key == card.key]
        ),
        what="the to-do's chores finished",
    )
    assert not any("Retry" in str(e.get("blocks")) for e in stack.slack.ephemerals(card.channel))


def test_a_box_of_a_to_do_deleted_in_datadog_redraws_the_list_without_retry() -> None:
    """The sync hasn't shown the deletion yet (a long interval): the press finds the to-do
    gone, tells the person so (no Retry: nothing to try again) and shows the list again."""
    stack = LocalStack(env={"DECLARE_SYNC_INTERVAL": "600"}).start()
    try:
        stack.declare("Disk full", severity="SEV-2", commander=BOB)
        stack.wait_done()
        card = the_card(stack)
        stack.submit(
            open_modal(stack, TODO_ACTION, channel=card.channel), todo_values("Grow the volume")
        )
        [todo] = wait_for(lambda: todos(stack, card.incident_id), what="the to-do")
        listed = todo_list_message(stack, card)
        wait_for(lambda: todo["id"] in str(listed), what="listed")
        with stack.datadog.lock:  # someone deletes it in Datadog's UI
            del stack.datadog.todos[card.incident_id][todo["id"]]
        assert press_todo_box(stack, card.channel, listed, todo["id"], user=BOB).status_code == 200
        told = wait_for(
            lambda: [
                e
                for e in stack.slack.ephemerals(card.channel)
                if "no longer in Datadog" in e["text"]
            ],
            what="the person told",
        )
        assert "Retry" not in str(told[-1]["blocks"]) and told[-1]["user"] == BOB
        wait_for(
            lambda: not checkboxes(todo_list_message(stack, card)),
            what="the list shown again, without it",
        )
        assert "No to-dos." in str(todo_list_message(stack, card)["blocks"])
    finally:
        stack.stop()
