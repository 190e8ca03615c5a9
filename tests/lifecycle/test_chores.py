"""Chores (bot/domain/lifecycle/chores.py) and the journal (bot/domain/incident/journal.py).

The stores keep both on SQLite and Redis alike; the runner writes once: a chore that may
have been written (a resume from `sending`, an ambiguous failure) is looked for first; a
lasting failure reaches its person with Retry, and only they may retry it.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from bot.domain.incident.journal import EntryKind, JournalEntry
from bot.domain.lifecycle.chores import Chore, ChoreRunner, ChoreStep, chore_key
from bot.domain.lifecycle.record import IncidentCard, card_key
from bot.domain.reliability.outcomes import StepFailed
from bot.domain.reliability.policy import RunnerPolicy
from bot.emulators.personas import ALICE, BOB, INCIDENTS
from bot.emulators.slack.inbound import block_actions
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import CHORE_RETRY_ACTION, UPDATE_ACTION
from bot.slack.lifecycle.chore_retry import tell_chore_failure
from bot.slack.lifecycle.publisher import post_under_card
from tests.card_actions import open_modal, thread_notes, wait_for, with_changes
from tests.oracles import assert_blocks_round_trip
from tests.store.test_cards import stored
from tests.store.test_contract import Opener
from tests.store.test_contract import opener as opener  # the both-stores fixture

FAST = RunnerPolicy(create_attempts=3, backoff=0.0, max_backoff=0.0, settle=0.0, lease_ttl=3.0)


def chore(key: str = "", **changes: Any) -> Chore:
    base = Chore(
        key=key or chore_key("test", "T1", "view", "hash"),
        kind="test",
        card_key=CARD_KEY,
        incident_id="inc-1",
        actor_id=ALICE,
        params={"text": "hello"},
    )
    return base.model_copy(update=changes)


def test_chore_keys_are_one_per_submission() -> None:
    assert chore_key("page", "T1", "V1", "h1") == chore_key("page", "T1", "V1", "h1")
    assert chore_key("page", "T1", "V1", "h1") != chore_key("page", "T1", "V1", "h2")
    assert chore_key("page", "T1", "V1", "h1") != chore_key("todo.add", "T1", "V1", "h1")


def test_stores_keep_chores_once_and_list_the_pending(opener: Opener) -> None:
    store: Any = opener()
    first = chore()
    assert store.add_chore(first)
    assert not store.add_chore(first.advance(step=ChoreStep.DONE)), "a redelivery"
    assert store.get_chore(first.key) == first
    assert [c.key for c in store.pending_chores()] == [first.key]
    done = first.advance(step=ChoreStep.DONE, result={"id": "r1"}, told={"note_ts": "1.2"})
    store.save_chore(done)
    assert store.pending_chores() == []
    assert opener().get_chore(first.key) == done, "another process reads the same"


def test_stores_keep_each_journal_fact_once_in_time_order(opener: Opener) -> None:
    store: Any = opener()

    def entry(key: str, at: float, incident: str = "inc-1", text: str = "x") -> JournalEntry:
        return JournalEntry(
            key=key, incident_id=incident, at=at, kind=EntryKind.CAPTURED, text=text
        )

    assert store.add_entry(entry("captured:C1:3", 30.0, text="third <!channel>"))
    assert store.add_entry(entry("declared", 10.0))
    assert store.add_entry(entry("captured:C1:2", 20.0))
    assert not store.add_entry(entry("captured:C1:2", 99.0, text="again")), "kept once"
    assert store.add_entry(entry("captured:C1:2", 5.0, incident="inc-2")), "another incident"
    kept = opener().entries("inc-1")
    assert [e.key for e in kept] == ["declared", "captured:C1:2", "captured:C1:3"]
    assert kept[1].text == "x" and kept[2].text == "third <!channel>"
    assert [e.at for e in store.entries("inc-2")] == [5.0]
    assert store.entries("inc-missing") == []


class Datadog:
    """What a kind of chore writes, as a list standing in for Datadog's side of it."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.lose_answers = 0
        self.refusals = 0
        self.looks = 0


class ListWork:
    """A chore kind that appends its text to `Datadog.written`: lost answers land anyway."""

    kind = "test"

    def __init__(self, datadog: Datadog) -> None:
        self.datadog = datadog
        self.told: list[str] = []
        self.failures: list[Chore] = []

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        self.datadog.looks += 1
        mark = f"{chore.key}:{chore.params['text']}"
        return {"id": mark} if mark in self.datadog.written else None

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        if self.datadog.refusals:
            self.datadog.refusals -= 1
            raise StepFailed("Datadog said 403 Forbidden.", retryable=False)
        mark = f"{chore.key}:{chore.params['text']}"
        self.datadog.written.append(mark)
        if self.datadog.lose_answers:
            self.datadog.lose_answers -= 1
            raise StepFailed("Datadog did not answer.", retryable=True, ambiguous=True)
        return {"id": mark}

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        self.told.append(chore.key)
        return {"note_ts": "9.9"}

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        self.failures.append(chore)


CARD_KEY = card_key("C1", "1.000100")


def runner_on(store: Any) -> tuple[ChoreRunner, ListWork, Datadog]:
    datadog = Datadog()
    work = ListWork(datadog)
    stored(store, "inc-1", "1.000100")
    return ChoreRunner(store, [work], policy=FAST, sleep=lambda _s: None), work, datadog


def test_a_chore_is_written_once_then_told(opener: Opener) -> None:
    store: Any = opener()
    runner, work, datadog = runner_on(store)
    first = chore(card_key=CARD_KEY)
    assert runner.submit(first)
    assert not runner.submit(first), "a redelivery starts nothing"
    done = store.get_chore(first.key)
    assert done.step is ChoreStep.DONE and done.told == {"note_ts": "9.9"}
    assert len(datadog.written) == 1 and work.told == [first.key]
    assert runner.run(first.key) == done, "run again: nothing more"
    assert len(datadog.written) == 1 and work.told == [first.key]


def test_a_lost_answer_is_looked_for_not_written_again(opener: Opener) -> None:
    store: Any = opener()
    runner, _work, datadog = runner_on(store)
    datadog.lose_answers = 1
    first = chore(card_key=CARD_KEY)
    runner.submit(first)
    done = store.get_chore(first.key)
    assert done.step is ChoreStep.DONE
    assert len(datadog.written) == 1, "written once though its answer was lost"
    assert datadog.looks == 1 and done.result == {"id": datadog.written[0]}


def test_a_resume_from_sending_looks_first(opener: Opener) -> None:
    """A crash after the write, before `sent` was saved: the resume finds it."""
    store: Any = opener()
    runner, work, datadog = runner_on(store)
    crashed = chore(card_key=CARD_KEY, step=ChoreStep.SENDING, attempts=1)
    store.add_chore(crashed)
    datadog.written.append(f"{crashed.key}:hello")  # it landed before the crash
    assert runner.resume_pending() == [crashed.key]
    assert store.get_chore(crashed.key).step is ChoreStep.DONE
    assert len(datadog.written) == 1 and work.told == [crashed.key]


def test_a_refusal_fails_with_the_reason_and_retry_resumes_it(opener: Opener) -> None:
    store: Any = opener()
    runner, work, datadog = runner_on(store)
    datadog.refusals = 1
    first = chore(card_key=CARD_KEY)
    runner.submit(first)
    failed = store.get_chore(first.key)
    assert failed.step is ChoreStep.FAILED and failed.failed_at is ChoreStep.SENDING
    assert failed.error == "Datadog said 403 Forbidden."
    assert [c.key for c in work.failures] == [first.key] and datadog.written == []
    assert store.pending_chores() == []
    retried = runner.retry(first.key)
    assert retried is not None and retried.step is ChoreStep.DONE
    assert len(datadog.written) == 1


def test_a_missing_card_or_kind_fails_for_good(opener: Opener) -> None:
    store: Any = opener()
    runner, _work, datadog = runner_on(store)
    runner.submit(chore(key="ch-no-card", card_key="C9:9.9"))
    assert store.get_chore("ch-no-card").error == "The bot no longer has this incident's card."
    runner.submit(chore(key="ch-no-kind", card_key=CARD_KEY, kind="unknown"))
    assert "internal error" in (store.get_chore("ch-no-kind").error or "")
    assert datadog.written == []


def test_two_runners_write_one_chore_once(opener: Opener) -> None:
    """Two replicas (two connections) run the same chore at once: one write, one note."""
    store: Any = opener()
    first_runner, first_work, datadog = runner_on(store)
    second_work = ListWork(datadog)
    second_runner = ChoreRunner(opener(), [second_work], policy=FAST)  # type: ignore[arg-type]
    first = chore(card_key=CARD_KEY)
    store.add_chore(first)
    threads = [
        threading.Thread(target=first_runner.run, args=(first.key,)),
        threading.Thread(target=second_runner.run, args=(first.key,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(datadog.written) == 1
    assert len(first_work.told) + len(second_work.told) == 1


class IncidentReadWork:
    """A chore over real HTTP: its write is a Datadog request (faults injectable in the
    emulator), its note goes into the card's thread through the bot's Slack client."""

    kind = "read"

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        return None

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        view = self.stack.services.incidents.get_incident(chore.incident_id)
        return {"title": view.title}

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        text = f"read {chore.result['title']}"
        blocks = [{"type": "section", "text": {"type": "plain_text", "text": text}}]
        return {"note_ts": post_under_card(self.stack.services.slack, card, (text, blocks), "x")}

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        tell_chore_failure(self.stack.services.slack, chore, card, "read the incident")


def test_a_failed_chore_offers_retry_to_its_person_only(stack: LocalStack) -> None:
    stack.services.chores.add_work(IncidentReadWork(stack))
    stack.declare("Search slow", severity="SEV-3", commander=BOB)
    stack.wait_done()
    card = stack.services.cards.open_cards()[0]
    stack.datadog.inject("GET /api/v2/incidents/{incident_id}", status=403, times=50)
    key = chore_key("read", "T1", "press-1")
    stack.services.chores.submit(
        Chore(key=key, kind="read", card_key=card.key, incident_id=card.incident_id, actor_id=ALICE)
    )
    notices = wait_for(
        lambda: [m for m in stack.slack.ephemerals(INCIDENTS) if m["user"] == ALICE],
        what="the failure notice",
    )
    (notice,) = notices
    assert_blocks_round_trip(notice["blocks"])
    shown = json.dumps(notice["blocks"])
    assert "read the incident" in shown and "403" in shown and CHORE_RETRY_ACTION in shown

    stack.datadog.clear_faults()

    def press(user: str) -> None:
        payload = block_actions(
            CHORE_RETRY_ACTION,
            key,
            user_id=user,
            channel_id=INCIDENTS,
            response_url=stack.slack.response_url(),
            trigger_id=stack.slack.issue_trigger(),
        )
        assert stack.caller.interact(payload).status_code == 200

    press(BOB)
    wait_for(
        lambda: "Only the person who asked" in json.dumps(stack.slack.responses),
        what="BOB's refusal",
    )
    assert stack.services.store.get_chore(key).step is ChoreStep.FAILED
    press(ALICE)
    wait_for(lambda: stack.services.store.get_chore(key).step is ChoreStep.DONE, what="the retry")
    assert [n for n in thread_notes(stack) if "read Search slow" in json.dumps(n)]


def test_declaring_and_updating_write_the_journal(stack: LocalStack) -> None:
    stack.declare("Search slow", severity="SEV-3", commander=BOB)
    stack.wait_done()
    card = stack.services.cards.open_cards()[0]
    view = open_modal(stack, UPDATE_ACTION)
    stack.submit(view, with_changes(view, severity="SEV-2"))
    wait_for(lambda: thread_notes(stack), what="the note")
    entries = wait_for(
        lambda: stack.services.journal.entries(card.incident_id)[1:],
        what="the change in the journal",
    )
    first, *_ = stack.services.journal.entries(card.incident_id)
    assert first.kind is EntryKind.DECLARED and first.text == "Search slow"
    assert first.actor_id == ALICE
    (changed,) = entries
    assert changed.kind is EntryKind.CHANGED and changed.actor_id == ALICE
    assert changed.data["after"] == "SEV-2" and "SEV-3" in changed.text
