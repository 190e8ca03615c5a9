"""The to-do list in the card's thread: one message, edited in place, as Datadog holds them.

Where the list message is (its ts) is kept as a finished chore of kind `todo.list`, keyed
per card (`list_key`), beside the chores that change the to-dos; with it the last list shown
(`sig`), how many are open (the resolve modal names them) and which were done (so a change
made in Datadog is journaled once). Shown under the card's lease: from a to-do chore's
`tell` (the runner holds it) or from the sync (`follow`, which takes it).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from bot.domain.incident.journal import EntryKind, Journal
from bot.domain.lifecycle.chores import Chore, ChoreStep, ChoreStore, chore_key
from bot.domain.lifecycle.journaling import keep
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.record.ports import RecordGateway
from bot.domain.record.todos import Todo, open_todos, todo_entry
from bot.domain.reliability.lease import CardClaims, CardLeases, Lease, LeaseLost

log = logging.getLogger(__name__)

LIST_KIND = "todo.list"
FOLLOW_LEASE_TTL = 9.0
AFTER_RESOLVE = 24 * 3600.0
"""Seconds a resolved card's list is still followed (by the process holding the sync)."""
AFTER_RESOLVE_MAX = 50
"""Resolved cards whose lists are followed at most, the most recently open first."""


def list_key(card_key: str) -> str:
    return chore_key(LIST_KIND, card_key)


def done_key(todo: Todo) -> str:
    """A completion is one fact, whether it was checked in Slack or in Datadog."""
    return f"todo-done:{todo.id}:{todo.completed}"


def reopened_key(todo: Todo) -> str:
    return f"todo-reopened:{todo.id}:{todo.modified}"


class TodoBoard(Protocol):
    """The Slack side: the list message under the card."""

    def show(self, card: IncidentCard, todos: Sequence[Todo], ts: str | None) -> str:
        """Post the list under the card (`ts` None) or edit it in place; its ts.
        Raise StepFailed when Slack refuses."""
        ...


class ListStore(ChoreStore, CardLeases, Protocol):
    """The chores (where the list is kept), the cards' leases, and resolved cards."""

    def closed_cards(self, incident_ids: Collection[str]) -> list[IncidentCard]: ...


def _signature(todos: Sequence[Todo]) -> str:
    text = "\n".join(t.model_dump_json() for t in todos)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class TodoLists:
    """Shows each incident's to-dos in its card's thread, and follows changes made in Datadog."""

    def __init__(
        self,
        store: ListStore,
        gateway: RecordGateway,
        board: TodoBoard,
        journal: Journal,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.board = board
        self.journal = journal
        self.clock = clock
        self.owner = f"todo-lists/{uuid.uuid4().hex[:12]}"
        self._followed: dict[str, float] = {}
        """Incidents whose list was shown while open: when last seen open (the sync's
        thread reads and drops; a chore's `show` adds)."""

    def kept(self, card_key: str) -> Chore | None:
        return self.store.get_chore(list_key(card_key))

    def open_count(self, card_key: str) -> int:
        """How many to-dos were open when the list was last shown (0: no list)."""
        kept = self.kept(card_key)
        return int(kept.told.get("open", 0)) if kept else 0

    def card_of_list(self, card_key: str, channel: str, ts: str) -> bool:
        """Is the message (`channel`, `ts`) this card's to-do list?"""
        kept = self.kept(card_key)
        return (
            kept is not None and kept.told.get("ts") == ts and kept.told.get("channel") == channel
        )

    def show(self, card: IncidentCard, todos: Sequence[Todo] | None = None) -> None:
        """Show what Datadog holds now (or `todos`, just read); call under the card's lease.

        A to-do done or reopened since the last list was shown, and not journaled by its
        chore, was changed in Datadog: journaled here, with no actor.
        """
        if card.open:  # followed on for a while once resolved
            self._followed[card.incident_id] = self.clock()
        if todos is None:
            todos = self.gateway.todos(card.incident_id)
        kept = self.kept(card.key)
        sig = _signature(todos)
        ts = kept.told.get("ts") if kept else None
        if kept is not None and ts and kept.told.get("sig") == sig:
            return
        if kept is not None:
            self._journal_changes(card, kept, todos)
        ts = self.board.show(card, todos, str(ts) if ts else None)
        told = {
            "ts": ts,
            "channel": card.channel,
            "sig": sig,
            "open": len(open_todos(list(todos))),
            "done": sorted(t.id for t in todos if t.done),
        }
        if kept is None:
            listed = Chore(
                key=list_key(card.key),
                kind=LIST_KIND,
                card_key=card.key,
                incident_id=card.incident_id,
                actor_id="",
                step=ChoreStep.DONE,
                told=told,
            )
            if not self.store.add_chore(listed):
                self.store.save_chore(listed)
        else:
            self.store.save_chore(kept.advance(told=told))

    def _journal_changes(self, card: IncidentCard, kept: Chore, todos: Sequence[Todo]) -> None:
        was_done = set(kept.told.get("done", []))
        now = self.clock()
        for todo in todos:
            if todo.done and todo.id not in was_done:
                kind, key = EntryKind.TODO_DONE, done_key(todo)
            elif not todo.done and todo.id in was_done:
                kind, key = EntryKind.TODO_REOPENED, reopened_key(todo)
            else:
                continue
            keep(self.journal, todo_entry(kind, card.incident_id, todo, None, key=key, at=now))

    def follow(self, cards: Sequence[IncidentCard]) -> int:
        """The sync's round: every open card with a list, under its lease, shows what Datadog
        holds now (a to-do completed there reaches Slack). A card resolved since is followed
        on for AFTER_RESOLVE seconds (at most AFTER_RESOLVE_MAX of them, read with the store's
        `closed_cards`): people finish the to-dos after the incident. Returns the lists read."""
        now = self.clock()
        read = 0
        open_ids = set()
        for card in cards:
            if not card.open or self.kept(card.key) is None:
                continue
            open_ids.add(card.incident_id)
            self._followed[card.incident_id] = now
            read += self._follow_one(card) is not None
        for incident_id, seen in list(self._followed.items()):
            if incident_id not in open_ids and now - seen > AFTER_RESOLVE:
                self._followed.pop(incident_id, None)
        resolved = sorted(
            (i for i in self._followed if i not in open_ids),
            key=lambda i: self._followed[i],
            reverse=True,
        )
        for stale in resolved[AFTER_RESOLVE_MAX:]:
            self._followed.pop(stale, None)
        resolved = resolved[:AFTER_RESOLVE_MAX]
        closed = self.store.closed_cards(resolved) if resolved else []
        for gone in set(resolved) - {c.incident_id for c in closed}:
            self._followed.pop(gone, None)  # deleted, or open again under a new card
        for card in closed:
            if self.kept(card.key) is None:
                continue
            followed = self._follow_one(card)
            if followed is False:  # e.g. its channel archived on resolve: stop there
                self._followed.pop(card.incident_id, None)
            read += followed is not None
        return read

    def _follow_one(self, card: IncidentCard) -> bool | None:
        """One card's list under its lease: True shown, False failed, None not held."""
        lease = Lease(CardClaims(self.store), card.key, self.owner, FOLLOW_LEASE_TTL)
        if not lease.acquire():
            return None  # a chore or an update holds it: the next round shows it
        try:
            todos = self.gateway.todos(card.incident_id)
            lease.check()
            self.show(card, todos)
            return True
        except LeaseLost:
            log.info("to-do list of %s: lease lost, left to its holder", card.key)
            return True
        except Exception:  # one incident's failure must not stop the others
            log.warning("to-do list of %s: following failed", card.key, exc_info=True)
            return False
        finally:
            lease.release()
