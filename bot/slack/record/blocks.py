"""The record as people see it: the capture note, the to-do list, the picker and to-do modals.

Pure builders. A captured message is quoted escaped and verbatim, so nothing in it (`<!channel>`,
`<@U…>`, a forged `<url|label>`) can ping anyone or link anywhere; long text is cut to
Block Kit's limits (a section's 3000 characters) with the permalink to the whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.domain.lifecycle.record import IncidentCard
from bot.domain.record.capture import CapturedMessage
from bot.domain.record.todos import CONTENT_MAX, Todo
from bot.slack.common.ids import (
    CAPTURE_CALLBACK,
    TODO_CALLBACK,
    TODO_CHECK_ACTION,
)
from bot.slack.common.mrkdwn import (
    FALLBACK_MAX,
    OPTION_MAX,
    VIEW_TITLE_MAX,
    cut,
    escape,
    safe,
    verbatim,
)
from bot.slack.incident.card import Message, mention

QUOTE_MAX = 2800
"""The quote's share of its section (3000), the author line beside it."""
QUOTE_LINES_MAX = 40
LIST_SHOWN_MAX = 100
"""To-dos listed in the thread (ten per checkbox group); more are counted, with Datadog's link."""
PER_GROUP = 10
"""Slack's limit of options in one checkboxes element."""
INCIDENT_BLOCK = "incident"
TODO_CONTENT_BLOCK = "todo_content"
TODO_ASSIGNEE_BLOCK = "todo_assignee"
TODO_DUE_BLOCK = "todo_due"
PICKER_MAX = 100
"""Options in a static select."""
_PERMALINK = re.compile(r"https://[A-Za-z0-9.-]+/archives/[A-Z0-9]+/p\d+(\?[A-Za-z0-9_=&.]*)?")


def quote(text: str, limit: int = QUOTE_MAX) -> str:
    """The text as a mrkdwn quote, escaped, whole lines while they fit (then `…`)."""
    lines = text.split("\n") or [""]
    out: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        if index >= QUOTE_LINES_MAX:
            out.append("> …")
            break
        piece = "> " + safe(line, max(2, limit - size - 3))
        if size + len(piece) + 1 > limit:
            out.append("> …")
            break
        out.append(piece)
        size += len(piece) + 1
        if piece.endswith("…"):
            break
    return "\n".join(out)


def _link(permalink: str, label: str) -> str:
    """A link only to a Slack permalink (anything else is shown as text)."""
    if _PERMALINK.fullmatch(permalink):
        return f"<{permalink}|{escape(label)}>"
    return safe(permalink, 300)


def capture_note(card: IncidentCard, message: CapturedMessage, actor_id: str) -> Message:
    """📌 added to IR-12 by @x, then who wrote it, the quote, its files and the link."""
    label = card.shown.label
    author = safe(message.author_name or message.author_id or "someone", 100)
    head = f"📌 added to *{safe(label, 100)}* by {mention(actor_id)}"
    lines = [f"*{author}* wrote:", quote(message.text or "(no text)")]
    if message.files:
        lines.append("Files: " + safe(", ".join(message.files), 300))
    body = "\n".join(lines)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": verbatim(head)},
        {"type": "section", "text": verbatim(cut(body, 2990))},
        {"type": "context", "elements": [verbatim(_link(message.permalink, "View the message"))]},
    ]
    text = cut(f"📌 added to {escape(label)}: {escape(message.link_title())}", FALLBACK_MAX)
    return text, blocks


def _option(todo: Todo) -> dict[str, Any]:
    details = []
    if todo.who:
        details.append(", ".join(todo.who))
    if todo.due:
        details.append(f"due {todo.due.isoformat()}")
    option: dict[str, Any] = {
        "text": {"type": "plain_text", "text": cut(todo.content or "(empty)", OPTION_MAX)},
        "value": todo.id,
    }
    if details:
        option["description"] = {"type": "plain_text", "text": cut(" · ".join(details), OPTION_MAX)}
    return option


TODO_LIST_BLOCK = "todos_"
LIST_CARD_MARK = "|"
"""A list's checkbox block names its card (`todos_0|C1:17.1`): a press finds the card, open
or resolved, from the message itself."""


def card_key_of_list_block(block_id: str) -> str:
    """The card key a list's checkbox block names ("" on lists posted before it did)."""
    head, mark, key = block_id.partition(LIST_CARD_MARK)
    return key if mark and head.startswith(TODO_LIST_BLOCK) else ""


def todo_list(card: IncidentCard, todos: Sequence[Todo]) -> Message:
    """The list in the card's thread: one checkbox per to-do, checked when done."""
    label = card.shown.label
    done = sum(1 for t in todos if t.done)
    head = f"☑️ *To-dos for {safe(label, 100)}*: {len(todos) - done} open, {done} done"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": verbatim(head)}]
    shown = list(todos)[:LIST_SHOWN_MAX]
    for group, start in enumerate(range(0, len(shown), PER_GROUP)):
        chunk = shown[start : start + PER_GROUP]
        element: dict[str, Any] = {
            "type": "checkboxes",
            "action_id": f"{TODO_CHECK_ACTION}_{group}",
            "options": [_option(t) for t in chunk],
        }
        checked = [_option(t) for t in chunk if t.done]
        if checked:
            element["initial_options"] = checked
        block_id = f"{TODO_LIST_BLOCK}{group}{LIST_CARD_MARK}{card.key}"
        blocks.append({"type": "actions", "block_id": block_id, "elements": [element]})
    if len(todos) > len(shown):
        more = f"…and {len(todos) - len(shown)} more in Datadog"
        if card.shown.url:
            more = f"{more}: <{card.shown.url}|open {escape(label)}>"
        blocks.append({"type": "context", "elements": [verbatim(more)]})
    if not todos:
        blocks.append({"type": "context", "elements": [verbatim("No to-dos.")]})
    text = f"To-dos for {escape(label)}: {len(todos) - done} open, {done} done"
    return text, blocks


def _plain(text: str, limit: int = VIEW_TITLE_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit)}


def incident_select(cards: Sequence[IncidentCard]) -> dict[str, Any]:
    """Which incident: the open ones the person may see, newest first."""
    options = [
        {"text": _plain(f"{c.shown.label}: {c.shown.title}", OPTION_MAX), "value": c.key}
        for c in list(cards)[:PICKER_MAX]
    ]
    return {
        "type": "input",
        "block_id": INCIDENT_BLOCK,
        "label": _plain("Incident", 2000),
        "element": {"type": "static_select", "action_id": INCIDENT_BLOCK, "options": options},
    }


def picker_view(cards: Sequence[IncidentCard], metadata: str, preview: str) -> dict[str, Any]:
    """ "Add to incident" outside an incident's channel or thread: which incident?"""
    return {
        "type": "modal",
        "callback_id": CAPTURE_CALLBACK,
        "private_metadata": metadata,
        "title": _plain("Add to incident"),
        "submit": _plain("Add"),
        "close": _plain("Cancel"),
        "blocks": [
            {"type": "section", "text": verbatim(quote(preview, 1000))},
            incident_select(cards),
        ],
    }


def todo_view(
    metadata: str,
    *,
    content: str = "",
    card: IncidentCard | None = None,
    cards: Sequence[IncidentCard] = (),
) -> dict[str, Any]:
    """A to-do: what, who (optional), when (optional); for `card`, or an incident to pick."""
    blocks: list[dict[str, Any]] = []
    if card is not None:
        head = f"A to-do for *{safe(card.shown.label, 100)}*: {safe(card.shown.title, 200)}"
        blocks.append({"type": "section", "text": verbatim(head)})
    else:
        blocks.append(incident_select(cards))
    text_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TODO_CONTENT_BLOCK,
        "multiline": True,
        "max_length": CONTENT_MAX,
    }
    if content:
        text_input["initial_value"] = content[:CONTENT_MAX]
    blocks += [
        {
            "type": "input",
            "block_id": TODO_CONTENT_BLOCK,
            "label": _plain("What needs doing", 2000),
            "element": text_input,
        },
        {
            "type": "input",
            "block_id": TODO_ASSIGNEE_BLOCK,
            "optional": True,
            "label": _plain("Assignee", 2000),
            "hint": _plain("Their Slack email must belong to a Datadog user.", 2000),
            "element": {"type": "users_select", "action_id": TODO_ASSIGNEE_BLOCK},
        },
        {
            "type": "input",
            "block_id": TODO_DUE_BLOCK,
            "optional": True,
            "label": _plain("Due", 2000),
            "element": {"type": "datepicker", "action_id": TODO_DUE_BLOCK},
        },
    ]
    return {
        "type": "modal",
        "callback_id": TODO_CALLBACK,
        "private_metadata": metadata,
        "title": _plain("Add to-do"),
        "submit": _plain("Add"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }
