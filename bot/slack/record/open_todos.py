"""The resolve modal names the to-dos still open ("3 to-dos still open"), never blocking it."""

from __future__ import annotations

from typing import Any

from bot.domain.lifecycle.record import IncidentCard, UpdateJob
from bot.domain.record.todo_list import TodoLists
from bot.domain.record.todos import still_open_line
from bot.slack.common.context import Services
from bot.slack.common.resolve_extras import Start
from bot.slack.declare.form.blocks import context_block


class OpenTodos:
    """A `ResolveExtra` (bot/slack/common/resolve_extras.py) that only says something."""

    def __init__(self, todo_lists: TodoLists) -> None:
        self.todo_lists = todo_lists

    def blocks(self, services: Services, card: IncidentCard) -> list[dict[str, Any]]:
        line = still_open_line(self.todo_lists.open_count(card.key))
        return [context_block(f"☑️ {line}")] if line else []

    def accepted(
        self, services: Services, job: UpdateJob, card: IncidentCard, view: dict[str, Any]
    ) -> Start | None:
        return None  # nothing to do on submit: the to-dos stay as they are
