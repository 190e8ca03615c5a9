"""The record's chores: a captured message's link, a to-do added, a to-do checked or unchecked.

Each is a `ChoreWork` for the one runner (bot/domain/lifecycle/chores.py), which stores the
chore before the ack, holds the card's lease, looks before writing again (`find`) and ends
in a Retry on failure. Datadog is reached through `RecordGateway`, Slack through
`RecordNotes` and the to-do list (`TodoLists`).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Protocol

from bot.domain.incident.journal import EntryKind, Journal
from bot.domain.lifecycle.chores import Chore
from bot.domain.lifecycle.journaling import keep
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.record.capture import CapturedMessage
from bot.domain.record.ports import NewTodo, RecordGateway
from bot.domain.record.todo_list import TodoLists, done_key, reopened_key
from bot.domain.record.todos import Todo, todo_entry
from bot.domain.reliability.outcomes import StepFailed

log = logging.getLogger(__name__)

CAPTURE = "capture"
TODO_ADD = "todo.add"
TODO_CHECK = "todo.check"
TODO_GONE = "That to-do is no longer in Datadog (it was deleted there)."


class RecordNotes(Protocol):
    """The Slack side of the record's chores."""

    def captured(self, card: IncidentCard, message: CapturedMessage, actor_id: str) -> str:
        """ "📌 added to IR-12 by @x" and the quote, in the card's thread; the note's ts."""
        ...

    def failed(self, chore: Chore, card: IncidentCard | None, what: str) -> None:
        """Tell the person why, with Retry."""
        ...

    def told(self, chore: Chore, card: IncidentCard | None, text: str) -> None:
        """Tell the person (plain text), with no Retry: there is nothing to try again."""
        ...


class CaptureWork:
    """Params: `message` (a CapturedMessage). Sends the link attachment; tells the thread."""

    kind = CAPTURE

    def __init__(self, gateway: RecordGateway, notes: RecordNotes) -> None:
        self.gateway = gateway
        self.notes = notes

    @staticmethod
    def message(chore: Chore) -> CapturedMessage:
        return CapturedMessage.model_validate(chore.params["message"])

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        permalink = self.message(chore).permalink
        for link in self.gateway.links(card.incident_id):
            if link.url == permalink:
                return {"attachment_id": link.id}
        return None

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        message = self.message(chore)
        made = self.gateway.add_link(card.incident_id, message.permalink, message.link_title())
        return {"attachment_id": made.id}

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        return {"note_ts": self.notes.captured(card, self.message(chore), chore.actor_id)}

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        self.notes.failed(chore, card, "add the message to the incident in Datadog")


class TodoAddWork:
    """Params: a NewTodo (`content`, `assignees` as Datadog handles, `due`).

    Datadog keeps no key of ours on a to-do, so `find` takes a to-do with the same content,
    assignees and due date for this one: an identical to-do is not added twice.
    """

    kind = TODO_ADD

    def __init__(
        self, gateway: RecordGateway, lists: TodoLists, notes: RecordNotes, journal: Journal
    ) -> None:
        self.gateway = gateway
        self.lists = lists
        self.notes = notes
        self.journal = journal

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        wanted = NewTodo.model_validate(chore.params)
        for todo in self.gateway.todos(card.incident_id):
            due = todo.due.isoformat() if todo.due else None
            if (todo.content, todo.assignees, due) == (
                wanted.content,
                wanted.assignees,
                wanted.due,
            ):
                return {"todo_id": todo.id}
        return None

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        made = self.gateway.add_todo(card.incident_id, NewTodo.model_validate(chore.params))
        return {"todo_id": made.id}

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        wanted = NewTodo.model_validate(chore.params)
        todo = Todo(
            id=str(chore.result["todo_id"]),
            content=wanted.content,
            assignees=wanted.assignees,
            due=date.fromisoformat(wanted.due) if wanted.due else None,
        )
        key = f"todo-added:{todo.id}"
        entry = todo_entry(
            EntryKind.TODO_ADDED,
            card.incident_id,
            todo,
            chore.actor_id,
            key=key,
            at=chore.created_at,
        )
        keep(self.journal, entry)
        self.lists.show(card)
        return {}

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        self.notes.failed(chore, card, "add the to-do in Datadog")


class TodoCheckWork:
    """Params: `todo_id`, `done` (True: complete, False: reopen), `at` (the press's time)."""

    kind = TODO_CHECK

    def __init__(
        self, gateway: RecordGateway, lists: TodoLists, notes: RecordNotes, journal: Journal
    ) -> None:
        self.gateway = gateway
        self.lists = lists
        self.notes = notes
        self.journal = journal

    def _todo(self, chore: Chore, card: IncidentCard) -> Todo:
        wanted = str(chore.params["todo_id"])
        todo = next((t for t in self.gateway.todos(card.incident_id) if t.id == wanted), None)
        if todo is None:
            raise StepFailed(TODO_GONE, retryable=False)
        return todo

    @staticmethod
    def _result(todo: Todo) -> dict[str, Any]:
        """What Datadog holds of it: its whole text too (the box's label is cut short)."""
        return {"completed": todo.completed, "modified": todo.modified, "content": todo.content}

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        todo = self._todo(chore, card)
        return self._result(todo) if todo.done == bool(chore.params["done"]) else None

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        todo = self._todo(chore, card)
        if todo.done == bool(chore.params["done"]):
            return self._result(todo)  # someone else got there first: nothing to write
        done = self.gateway.set_done(
            card.incident_id, todo, bool(chore.params["done"]), at=str(chore.params["at"])
        )
        return self._result(done)

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        todo = Todo(
            id=str(chore.params["todo_id"]),
            content=str(chore.result.get("content") or chore.params.get("content", "")),
            completed=chore.result.get("completed"),
            modified=chore.result.get("modified"),
        )
        if bool(chore.params["done"]):
            kind, key = EntryKind.TODO_DONE, done_key(todo)
        else:
            kind, key = EntryKind.TODO_REOPENED, reopened_key(todo)
        keep(
            self.journal,
            todo_entry(kind, card.incident_id, todo, chore.actor_id, key=key, at=chore.created_at),
        )
        self.lists.show(card)
        return {}

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        if chore.error == TODO_GONE:  # nothing to retry: the list shows it gone, and why
            if card is not None:
                try:
                    self.lists.show(card)  # under the runner's lease, like `tell`
                except Exception:  # the sync shows it within its interval anyway
                    log.warning("to-do list of %s not shown again", card.key, exc_info=True)
            self.notes.told(chore, card, f"{TODO_GONE} The list shows what Datadog holds now.")
            return
        verb = "complete" if chore.params.get("done") else "reopen"
        self.notes.failed(chore, card, f"{verb} the to-do in Datadog")
