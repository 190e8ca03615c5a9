"""To-dos from Slack: the card's Add to-do, the "Add as to-do" shortcut, `/declare todo`, and
the list's checkboxes.

Every to-do is a `todo.add` chore stored before the ack (the modal's submission, or the
command); its assignee is resolved from their Slack email to a Datadog handle first, and a
person without a Datadog account is told under the field (or in the command's answer), never
silently dropped. A checkbox on the list completes (or, unchecked, reopens) its to-do in
Datadog as a `todo.check` chore; the list is then shown again from what Datadog holds.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, date, datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.access.rules import Act
from bot.domain.declare.commander import CommanderNotFound
from bot.domain.lifecycle.chores import Chore, chore_key
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.record.ports import NewTodo
from bot.domain.record.postmortem import plain_text
from bot.domain.record.todos import (
    PlainMention,
    TodoDraft,
    TodoTextError,
    handle_for,
    parse_todo_text,
)
from bot.domain.record.works import TODO_ADD, TODO_CHECK
from bot.domain.reliability.outcomes import LookupFailed
from bot.slack.access.policy import ACCESS_WAIT
from bot.slack.common import payload
from bot.slack.common.context import Services
from bot.slack.common.ids import TODO_CHECK_ACTION
from bot.slack.common.mrkdwn import escape
from bot.slack.declare import messages
from bot.slack.declare.command import ephemeral
from bot.slack.lifecycle.card_actions import (
    STORE_DOWN,
    NoCard,
    Press,
    card_press,
    open_view,
    tell,
)
from bot.slack.lifecycle.update_submission import ACCESS_SUBMIT_WAIT, AckClock
from bot.slack.record.blocks import (
    INCIDENT_BLOCK,
    TODO_ASSIGNEE_BLOCK,
    TODO_CONTENT_BLOCK,
    TODO_DUE_BLOCK,
    card_key_of_list_block,
    todo_view,
)
from bot.slack.record.capture import open_cards_newest_first, refusal_of, team_of
from bot.slack.record.locate import card_for_message, card_of_channel

log = logging.getLogger(__name__)

TODO_WORD = "todo"
NO_INCIDENT_HERE = (
    "`/declare todo` works in an incident's own channel. Elsewhere, use *Add to-do* on the "
    "incident's card, or the *Add as to-do* message shortcut."
)


class AssigneeError(Exception):
    """The assignee can't be given the to-do; `text` says why (plain)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def assignee_handle(services: Services, slack_id: str, *, timeout: float) -> str:
    """A Slack user's Datadog handle (by their Slack email), or AssigneeError saying why;
    `timeout` is what the ack's clock leaves for it."""
    try:
        commander = services.resolver.resolve(slack_id, timeout=timeout)
    except CommanderNotFound as exc:
        raise AssigneeError(
            f"<@{slack_id}> has no Datadog account declare-bot can find (by the email on their "
            "Slack profile), so the to-do can't be assigned to them. Assign it to someone "
            "else, or leave it unassigned."
        ) from exc
    except LookupFailed as exc:
        raise AssigneeError(f"Couldn't look up <@{slack_id}>: {exc}") from exc
    except TimeoutError as exc:
        raise AssigneeError(
            "Looking up the assignee's Datadog account took too long. Try again in a moment."
        ) from exc
    return handle_for(commander.email)


def submit_todo(
    services: Services, card: IncidentCard, actor_id: str, key: str, todo: NewTodo
) -> bool:
    """Store the `todo.add` chore (before the ack) and start it; False if it was stored."""
    chore = Chore(
        key=key,
        kind=TODO_ADD,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=actor_id,
        params=todo.model_dump(mode="json"),
    )
    return services.chores.submit(chore)


# --- the modal: the card's button, the shortcut ---------------------------------------------


def _metadata(card: IncidentCard | None) -> str:
    return json.dumps({"k": card.key} if card else {})


@card_press(Act.ADD_TODO, opens_modal=True)
def open_todo_modal(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """The card's Add to-do: the to-do modal for this incident."""
    open_view(client, respond, press.body, todo_view(_metadata(press.card), card=press.card))


def add_as_todo(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    """The "Add as to-do" message shortcut: the modal, prefilled with the message."""
    ack()
    tell = ephemeral(respond, body)
    user_id, team_id = payload.user_id(body), team_of(body)
    channel = payload.string(payload.obj(body, "channel"), "id")
    message = payload.obj(body, "message")
    ts = payload.string(message, "ts") or payload.string(body, "message_ts")
    try:
        cards = open_cards_newest_first(services)
    except Exception:  # the store is down
        log.exception("reading the open cards failed")
        if tell:
            tell(messages.refusal(STORE_DOWN))
        return
    text = plain_text(payload.string(message, "text"))  # Datadog gets no Slack markup
    card = card_for_message(cards, channel, ts, payload.string(message, "thread_ts") or None)
    if card is not None:
        refusal = refusal_of(services, Act.ADD_TODO, user_id, card, team_id)
        if refusal:
            if tell:
                tell(messages.refusal(refusal))
            return
        open_view(client, respond, body, todo_view(_metadata(card), content=text, card=card))
        return
    _, visible = services.access.visible(user_id, cards, wait=ACCESS_WAIT, team_id=team_id)
    if not visible:
        if tell:
            tell(messages.refusal("There are no open incidents you can see to add a to-do to."))
        return
    open_view(client, respond, body, todo_view(_metadata(None), content=text, cards=visible))


def _value(values: dict[str, Any], block: str) -> dict[str, Any]:
    return payload.obj(payload.obj(values, block), block)


def submit_todo_modal(
    ack: Ack, body: dict[str, Any], context: BoltContext, services: Services
) -> None:
    """Checked whole (the incident, access, the assignee's Datadog account), stored, then acked
    within Slack's 3 s (each wait is what the ack's clock leaves)."""
    clock = AckClock(context)
    view = payload.view(body)
    values = payload.obj(payload.obj(view, "state"), "values")
    user_id = payload.user_id(body)
    try:
        key = str(json.loads(payload.string(view, "private_metadata") or "{}").get("k") or "")
    except ValueError:
        key = ""
    picked = payload.string(payload.obj(_value(values, INCIDENT_BLOCK), "selected_option"), "value")
    where = TODO_CONTENT_BLOCK if key else INCIDENT_BLOCK
    try:
        card = services.cards.get_card(key or picked) if (key or picked) else None
    except Exception:
        log.exception("reading the card for a to-do failed")
        ack(response_action="errors", errors={where: STORE_DOWN})
        return
    if card is None:
        ack(response_action="errors", errors={where: "Pick an incident."})
        return
    wait = clock.left(ACCESS_SUBMIT_WAIT)
    refusal = refusal_of(services, Act.ADD_TODO, user_id, card, team_of(body), wait=wait)
    if refusal:
        ack(response_action="errors", errors={where: refusal})
        return
    content = " ".join(payload.string(_value(values, TODO_CONTENT_BLOCK), "value").split())
    if not content:
        ack(response_action="errors", errors={TODO_CONTENT_BLOCK: "Say what needs doing."})
        return
    assignee = payload.string(_value(values, TODO_ASSIGNEE_BLOCK), "selected_user")
    due = payload.string(_value(values, TODO_DUE_BLOCK), "selected_date") or None
    handles: tuple[str, ...] = ()
    if assignee:
        try:
            budget = clock.left(services.commander_ack_budget)
            handles = (assignee_handle(services, assignee, timeout=budget),)
        except AssigneeError as exc:
            ack(response_action="errors", errors={TODO_ASSIGNEE_BLOCK: exc.text})
            return
    chore_id = chore_key(
        TODO_ADD, team_of(body), payload.string(view, "id"), payload.string(view, "hash")
    )
    try:
        submit_todo(
            services, card, user_id, chore_id, NewTodo(content=content, assignees=handles, due=due)
        )
    except Exception:  # nothing is sent unless it is stored first
        log.exception("storing a to-do failed")
        ack(response_action="errors", errors={TODO_CONTENT_BLOCK: STORE_DOWN})
        return
    ack()


# --- /declare todo <text> [@person] [due] ----------------------------------------------------


def is_todo_request(body: dict[str, Any]) -> bool:
    words = payload.string(body, "text").split(maxsplit=1)
    return bool(words) and words[0].lower() == TODO_WORD


def todo_command(ack: Ack, body: dict[str, Any], context: BoltContext, services: Services) -> None:
    """`/declare todo …` in an incident channel: checked, stored, then answered in the ack
    within Slack's 3 s (the assignees share one lookup budget)."""
    clock = AckClock(context)
    user_id, team_id = payload.user_id(body), payload.string(body, "team_id")
    text = payload.string(body, "text").split(maxsplit=1)
    try:
        draft: TodoDraft = parse_todo_text(text[1] if len(text) > 1 else "", date.today())
    except TodoTextError as exc:
        told = escape(str(exc))
        if isinstance(exc, PlainMention):  # nothing typed is lost
            told += f" You wrote:\n`/declare {escape(payload.string(body, 'text'))}`"
        ack(text=messages.refusal(told), response_type="ephemeral")
        return
    try:
        card = card_of_channel(services.cards.open_cards(), payload.string(body, "channel_id"))
    except Exception:
        log.exception("reading the open cards failed")
        ack(text=messages.refusal(STORE_DOWN), response_type="ephemeral")
        return
    if card is None:
        ack(text=messages.refusal(NO_INCIDENT_HERE), response_type="ephemeral")
        return
    wait = clock.left(ACCESS_SUBMIT_WAIT)
    refusal = refusal_of(services, Act.ADD_TODO, user_id, card, team_id, wait=wait)
    if refusal:
        ack(text=messages.refusal(refusal), response_type="ephemeral")
        return
    budget_ends = time.monotonic() + clock.left(services.commander_ack_budget)
    try:
        handles = tuple(
            assignee_handle(services, a, timeout=max(0.0, budget_ends - time.monotonic()))
            for a in draft.assignee_ids
        )
    except AssigneeError as exc:
        typed = escape(payload.string(body, "text"))
        told = f"{exc.text} Nothing was added. You wrote:\n`/declare {typed}`"
        ack(text=messages.refusal(told), response_type="ephemeral")
        return
    todo = NewTodo(
        content=draft.content,
        assignees=handles,
        due=draft.due.isoformat() if draft.due else None,
    )
    trigger = payload.string(body, "trigger_id") or f"{user_id}:{draft.content}"
    try:
        submit_todo(services, card, user_id, chore_key(TODO_ADD, team_id, trigger), todo)
    except Exception:
        log.exception("storing a to-do failed")
        ack(text=messages.refusal(STORE_DOWN), response_type="ephemeral")
        return
    ack(
        text=f"☑️ Adding the to-do to {escape(card.shown.label)}: it will show in the card's "
        "to-do list.",
        response_type="ephemeral",
    )


# --- the list's checkboxes ------------------------------------------------------------------


def _list_card(services: Services, body: dict[str, Any]) -> IncidentCard:
    """The card whose to-do list the checkbox is on (the stored list message, not a value)."""
    container = payload.obj(body, "container")
    channel = payload.string(container, "channel_id")
    ts = payload.string(container, "message_ts")
    named = card_key_of_list_block(payload.string(payload.first_action(body), "block_id"))
    try:
        # The list names its card (open or resolved); a list posted before it did: open cards.
        found = services.cards.get_card(named) if named else None
        cards = [found] if found else services.cards.open_cards()
        for card in cards:
            if card.channel == channel and services.todo_lists.card_of_list(card.key, channel, ts):
                return card
    except Exception:
        log.exception("reading the to-do list's card failed")
        raise NoCard(STORE_DOWN) from None
    raise NoCard("declare-bot has no record of this to-do list.")


def _checked(body: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(to-do id, its text, now done?) for each box the press changed."""
    action = payload.first_action(body)
    action_id = payload.string(action, "action_id")
    selected = {payload.string(o, "value") for o in payload.objects(action, "selected_options")}
    for block in payload.objects(payload.obj(body, "message"), "blocks"):
        for element in payload.objects(block, "elements"):
            if payload.string(element, "action_id") != action_id:
                continue
            was = {payload.string(o, "value") for o in payload.objects(element, "initial_options")}
            changed = []
            for option in payload.objects(element, "options"):
                todo_id = payload.string(option, "value")
                if (todo_id in selected) != (todo_id in was):
                    label = payload.string(payload.obj(option, "text"), "text")
                    changed.append((todo_id, label, todo_id in selected))
            return changed
    return []


@card_press(Act.CHECK_TODO, opens_modal=False, find=_list_card)
def check_todo(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """A checkbox of the list: complete (checked) or reopen (unchecked) its to-do."""
    action_ts = payload.string(payload.first_action(press.body), "action_ts")
    now = datetime.now(UTC).isoformat()
    for todo_id, label, done in _checked(press.body):
        chore = Chore(
            key=chore_key(TODO_CHECK, press.card.key, todo_id, action_ts or now),
            kind=TODO_CHECK,
            card_key=press.card.key,
            incident_id=press.card.incident_id,
            actor_id=press.user_id,
            params={"todo_id": todo_id, "done": done, "at": now, "content": label},
        )
        try:
            services.chores.submit(chore)
        except Exception:  # nothing is sent unless it is stored first: the person hears it
            log.exception("storing a to-do check failed")
            tell(respond, press.body, messages.refusal(STORE_DOWN))
            return


TODO_CHECK_PATTERN = rf"^{TODO_CHECK_ACTION}_\d+$"
