"""Inbound: every Bolt listener, registered in one place.

Every listener acks first (or acks with field errors) and leaves slow work to the
declaration worker, so Slack's 3-second limit holds even under load. Listeners run on
Bolt's listener executor; `ListenerExecutor` gives each one a fresh log context, so no
listener inherits (or has to clear) the declaration id of an earlier request.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.slack.cadence.post_update import (
    is_update_request,
    open_post_update,
    post_update_command,
    submit_status,
)
from bot.slack.cadence.reminder_actions import (
    open_post_update_from_reminder,
    snooze_reminders,
    stop_reminders,
)
from bot.slack.common import ids
from bot.slack.common.context import Services
from bot.slack.common.ids import (
    CHORE_RETRY_ACTION,
    LIST_UPDATE_ACTION,
    REOPEN_ACTION,
    RESOLVE_ACTION,
    RESOLVE_CALLBACK,
    UPDATE_ACTION,
    UPDATE_CALLBACK,
    UPDATE_RETRY_ACTION,
)
from bot.slack.declare.command import open_declare_modal
from bot.slack.declare.form.org_fields import CUSTOM_FIELD_ACTIONS
from bot.slack.declare.form_actions import (
    change_incident_type,
    declare_anyway,
    suggest_field_options,
)
from bot.slack.declare.retry import retry_declaration
from bot.slack.declare.submission import submit_declare_modal
from bot.slack.home.app_home import declare_from_home, show_home
from bot.slack.lifecycle.card_actions import open_resolve, open_update, reopen, retry_update
from bot.slack.lifecycle.chore_retry import retry_chore
from bot.slack.lifecycle.context import ARRIVED_AT
from bot.slack.lifecycle.list_command import (
    is_list_request,
    list_incidents,
    open_update_from_list,
)
from bot.slack.lifecycle.update_submission import submit_resolve, submit_update
from bot.slack.monitor.shortcut import declare_from_message
from bot.slack.record.capture import add_to_incident, capture_reaction, submit_capture_picker
from bot.slack.record.postmortem_actions import press_postmortem
from bot.slack.record.todos import (
    TODO_CHECK_PATTERN,
    add_as_todo,
    check_todo,
    is_todo_request,
    open_todo_modal,
    submit_todo_modal,
    todo_command,
)
from bot.slack.responders.actions import open_add_responder, open_remove_responder, take_command
from bot.slack.responders.page_actions import (
    open_page,
    open_page_from_home,
    page_again,
    submit_page,
    suggest_page_teams,
)
from bot.slack.responders.submission import submit_add_responder, submit_remove_responder

log = logging.getLogger(__name__)

T = TypeVar("T")

LISTENER_THREADS = 16
"""Bolt's listener executor (Bolt's default is 5). A button that opens a modal must make
its Slack calls (the access check when uncached, views.open) before its 3-second trigger
runs out, so they stay on the listener's thread; sixteen let a burst of such presses pass
without holding up anyone's /declare. Datadog never runs here (the interaction pool)."""


class ListenerExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, running each listener in a fresh contextvars context.

    A Bolt middleware runs on the request's thread, not the listener's, so the log
    context is set and reset here: each listener starts with no declaration id and
    whatever it sets ends with it.
    """

    def __init__(self, max_workers: int = LISTENER_THREADS) -> None:
        super().__init__(max_workers, thread_name_prefix="listener")

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        context = contextvars.Context()
        return super().submit(lambda: context.run(fn, *args, **kwargs))


def ack_only(ack: Ack) -> None:
    """Link buttons still send an interaction; acknowledge it."""
    ack()


def handle_error(error: Exception, body: dict[str, Any], respond: Respond) -> None:
    """Last resort: log with a reference, tell the person something went wrong."""
    reference = uuid.uuid4().hex[:8]
    log.error("unhandled error (ref %s): %s", reference, error, exc_info=error)
    try:
        if body.get("response_url"):
            respond(
                text=f"Something went wrong in declare-bot (ref {reference}). Nothing you typed "
                "was sent to Datadog; please try again.",
                response_type="ephemeral",
            )
    except Exception:  # noqa: BLE001 - reporting must never raise
        log.warning("could not report error %s", reference)


class SetContext(Middleware):
    """Puts a value in every request's context (`services`, or one computed per request).

    A `Middleware` subclass, not a function: Bolt builds no keyword arguments for it, which
    saves tens of microseconds on every request, /declare's included.
    """

    def __init__(
        self, key: str, value: object = None, *, each: Callable[[], object] | None = None
    ) -> None:
        self.key = key
        self.value = value
        self.each = each
        """Computed anew for each request instead (e.g. when it arrived)."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002 - Bolt's name
    ) -> BoltResponse | None:
        req.context[self.key] = self.each() if self.each is not None else self.value
        return next()


def declare_command(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
    services: Services,
) -> None:
    """`/declare list` lists the open incidents; any other `/declare` is declaring's."""
    if is_list_request(body):
        list_incidents(ack, body, respond, services)
        return
    if is_update_request(body):  # `/declare update …` (bot/slack/cadence/)
        post_update_command(ack, body, respond, services)
        return
    if is_todo_request(body):  # `/declare todo …` in an incident channel (bot/slack/record/)
        todo_command(ack, body, context, services)
        return
    open_declare_modal(ack, body, client, respond, services)


def register_listeners(app: App, services: Services) -> None:
    """Wire listeners; `services` reaches each one through Bolt's context."""

    # When the request reached the bot, before any listener queue: a listener that starts
    # late knows how much of Slack's 3 s is left.
    app.use(SetContext(ARRIVED_AT, each=time.monotonic))
    app.use(SetContext("services", services))
    app.command(ids.COMMAND)(declare_command)
    app.view(ids.MODAL_CALLBACK)(submit_declare_modal)
    app.action(ids.RETRY_ACTION)(retry_declaration)
    app.shortcut(ids.MESSAGE_SHORTCUT)(declare_from_message)
    app.action(ids.INCIDENT_TYPE_ACTION)(change_incident_type)
    app.action(ids.DECLARE_ANYWAY_ACTION)(declare_anyway)
    app.options(CUSTOM_FIELD_ACTIONS)(suggest_field_options)
    app.action(ids.OPEN_INCIDENT_ACTION)(ack_only)
    # The incident's live card (bot/slack/incident/card.py) and /declare list's Update.
    app.action(UPDATE_ACTION)(open_update)
    app.action(LIST_UPDATE_ACTION)(open_update_from_list)  # /declare list's Update
    app.action(RESOLVE_ACTION)(open_resolve)
    app.action(REOPEN_ACTION)(reopen)
    app.action(UPDATE_RETRY_ACTION)(retry_update)
    app.action(CHORE_RETRY_ACTION)(retry_chore)
    app.action(ids.PAGE_ACTION)(open_page)
    app.action(ids.PAGE_AGAIN_ACTION)(page_again)
    app.view(ids.PAGE_CALLBACK)(submit_page)
    app.options(ids.PAGE_TEAM_BLOCK)(suggest_page_teams)
    app.event("app_home_opened")(show_home)
    app.action(ids.HOME_DECLARE_ACTION)(declare_from_home)
    app.action(ids.HOME_OPEN_CARD_ACTION)(ack_only)
    app.action(ids.HOME_PAGE_ACTION)(open_page_from_home)
    app.action(ids.POST_UPDATE_ACTION)(open_post_update)
    app.action(ids.REMINDER_UPDATE_ACTION)(open_post_update_from_reminder)
    app.action(ids.REMINDER_SNOOZE_ACTION)(snooze_reminders)
    app.action(ids.REMINDER_STOP_ACTION)(stop_reminders)
    app.view(ids.STATUS_CALLBACK)(submit_status)
    app.action(ids.POSTMORTEM_ACTION)(press_postmortem)
    app.view(UPDATE_CALLBACK)(submit_update)
    app.view(RESOLVE_CALLBACK)(submit_resolve)
    # Staffing the response from the card (bot/slack/responders/).
    app.action(ids.ADD_RESPONDER_ACTION)(open_add_responder)
    app.action(ids.REMOVE_RESPONDER_ACTION)(open_remove_responder)
    app.action(ids.TAKE_COMMAND_ACTION)(take_command)
    app.view(ids.ADD_RESPONDER_CALLBACK)(submit_add_responder)
    app.view(ids.REMOVE_RESPONDER_CALLBACK)(submit_remove_responder)
    # The record (bot/slack/record/): captures, to-dos and their list.
    app.shortcut(ids.CAPTURE_SHORTCUT)(add_to_incident)
    app.shortcut(ids.TODO_SHORTCUT)(add_as_todo)
    app.view(ids.CAPTURE_CALLBACK)(submit_capture_picker)
    app.view(ids.TODO_CALLBACK)(submit_todo_modal)
    app.action(ids.TODO_ACTION)(open_todo_modal)
    app.action(re.compile(TODO_CHECK_PATTERN))(check_todo)
    app.event("reaction_added")(capture_reaction)
    app.error(handle_error)
