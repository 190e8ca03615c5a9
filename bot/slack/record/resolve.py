"""What the resolve modal says of the to-dos: "☑️ 3 to-dos still open", never blocking.

A `ResolveExtra` (bot/slack/common/context.py) given by the composition root: the count is
the one the to-do list last showed (kept with it, so opening the modal reads no Datadog).
"""

from __future__ import annotations

from typing import Any

from bot.domain.lifecycle.record import IncidentCard
from bot.domain.record.todo_list import TodoLists
from bot.domain.record.todos import still_open_line
from bot.slack.declare.form.blocks import context_block


class OpenTodosNotice:
    """A line in the resolve modal while to-dos are open; nothing to submit."""

    def __init__(self, lists: TodoLists) -> None:
        self.lists = lists

    def blocks(self, card: IncidentCard) -> list[dict[str, Any]]:
        line = still_open_line(self.lists.open_count(card.key))
        return [context_block(f"☑️ {line}: resolving leaves them open in Datadog")] if line else []

    def accept(
        self, card: IncidentCard, values: dict[str, Any], *, actor_id: str, key: str
    ) -> str | None:
        return None
