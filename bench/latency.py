"""Figure 1 (open the modal) and figure 2 (submit to announcement and to thread reply).

Times run from sending a signed request to the moment the Slack emulator acts on the
call of interest. For views.open that is its arrival (`Request.received_at`): what
Slack does with the view afterwards is not the app's time. For the announcement and
the thread reply it is arrival plus the injected latency, because a message exists
once Slack has processed it, so the critical path counts every call in full:

    prefetched commander:  the announcement (a placeholder, issue 15)          1 × latency
                           create → reply (beside the placeholder's edit)      2 × latency
    commander not cached:  users.info → Datadog users (checked before the ack), then
                           the placeholder at 3 × and the reply at 4 × latency
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bench.common import (
    Emulators,
    Served,
    handled_at,
    new_calls,
    opened_views,
    request_args,
    send_slash,
    send_submission,
    view_for,
    wait_until,
)
from bench.stats import latency_summary
from bot.emulators.base import EmulatorServer, Request
from bot.emulators.personas import INCIDENTS
from bot.emulators.slack.inbound import declare_form_values

TIMEOUT = 30.0
SETTLE = 0.01
"""Seconds after an emulator acted on the last call before the next sample starts."""


def _settle_after(emulator: EmulatorServer, request: Request) -> None:
    time.sleep(max(0.0, handled_at(emulator, request) + SETTLE - time.monotonic()))


def _wait_prefetch(emulators: Emulators, since: int) -> None:
    """Until the commander lookup a /declare started (Datadog users, its last call) is done."""
    users = wait_until(
        lambda: new_calls(emulators.datadog, since, "/api/v2/users"), TIMEOUT, "the prefetch"
    )
    _settle_after(emulators.datadog, users[0])


def _open_once(
    emulators: Emulators, app: Served, is_bot: bool
) -> tuple[float, float, dict[str, Any]]:
    """(to views.open, to ack, the view sent) for one /declare from someone new."""
    user = emulators.add_person()
    views_before = opened_views(emulators)
    since_slack, since_dd = len(emulators.slack.requests), len(emulators.datadog.requests)
    trigger, sent, ack = send_slash(app, emulators, user)
    acked = time.monotonic() - sent
    assert ack.status_code == 200, ack.text

    def views_open() -> Request | None:
        for request in new_calls(emulators.slack, since_slack, "/api/views.open"):
            if request_args(request).get("trigger_id") == trigger:
                return request
        return None

    request = wait_until(views_open, TIMEOUT, "views.open")
    wait_until(lambda: opened_views(emulators) > views_before, TIMEOUT, "the view")
    _settle_after(emulators.slack, request)
    if is_bot:  # its commander prefetch must not overlap the next sample
        _wait_prefetch(emulators, since_dd)
    return request.received_at - sent, acked, request_args(request)["view"]


def open_form_prefetched(emulators: Emulators, bot: Served) -> tuple[str, dict[str, Any]]:
    """A new person's /declare: (that person, the modal), once the bot's commander prefetch
    is done, so it does not overlap what the caller measures next."""
    declarer = emulators.add_person()
    since_dd = len(emulators.datadog.requests)
    trigger, _, ack = send_slash(bot, emulators, declarer)
    assert ack.status_code == 200, ack.text
    view = wait_until(lambda: view_for(emulators, trigger), TIMEOUT, "the modal")
    _wait_prefetch(emulators, since_dd)
    return declarer, view


def first_open(emulators: Emulators, app: Served, is_bot: bool) -> tuple[float, dict[str, Any]]:
    """An app's first /declare (Bolt calls auth.test first): (ms to views.open, the view)."""
    to_open, _, view = _open_once(emulators, app, is_bot)
    return to_open * 1000, view


def measure_open(emulators: Emulators, apps: dict[str, Served], samples: int) -> dict[str, Any]:
    """/declare → views.open arrival for each app ("bot" and the baselines), interleaved.

    The order rotates from one sample to the next. Each /declare comes from a person
    seen for the first time, so the bot's commander prefetch runs as on a first /declare.
    """
    names = list(apps)
    to_open: dict[str, list[float]] = {name: [] for name in names}
    to_ack: dict[str, list[float]] = {name: [] for name in names}
    for i in range(samples):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            opened, acked, _ = _open_once(emulators, apps[name], name.startswith("bot"))
            to_open[name].append(opened)
            to_ack[name].append(acked)
    summary = {name: latency_summary(to_open[name]) for name in names}
    summary |= {f"{name}_ack": latency_summary(to_ack[name]) for name in names}
    return summary


@dataclass
class SubmitSamples:
    ack: list[float] = field(default_factory=list)
    announcement: list[float] = field(default_factory=list)
    reply: list[float] = field(default_factory=list)


def measure_submit(emulators: Emulators, bot: Served, samples: int) -> dict[str, Any]:
    """Submit → announcement and → thread reply, with the commander prefetched or not.

    The two modes alternate. Prefetched: the person declaring commands, and the submit
    comes after the lookup the modal started has finished (people take longer than
    that to fill the form in). Not prefetched: the commander is someone never looked up.
    """
    modes = {"prefetched": SubmitSamples(), "not_prefetched": SubmitSamples()}
    for i in range(samples):
        for mode, got in modes.items():
            ack, announcement, reply = _submit_once(
                emulators, bot, mode == "prefetched", f"{mode} {i}"
            )
            got.ack.append(ack)
            got.announcement.append(announcement)
            got.reply.append(reply)
    return {
        f"{mode}_{what}": latency_summary(getattr(got, what))
        for mode, got in modes.items()
        for what in ("ack", "announcement", "reply")
    }


def _submit_once(
    emulators: Emulators, bot: Served, prefetched: bool, name: str
) -> tuple[float, float, float]:
    """(ack, announcement, reply) seconds after sending one submission."""
    slack = emulators.slack
    declarer, view = open_form_prefetched(emulators, bot)
    commander = declarer if prefetched else emulators.add_person()
    values = declare_form_values(title=f"Bench {name}", commander=commander)
    since = len(slack.requests)

    sent, response = send_submission(bot, emulators, view, values, declarer)
    acked = time.monotonic() - sent
    assert response.status_code == 200, response.text
    assert response.json().get("response_action") == "update", response.text

    def done() -> Request | None:
        for request in new_calls(slack, since, "/api/views.update"):
            if request_args(request).get("view_id") == view["id"]:
                return request
        return None

    # The modal's final "Declared" comes last, off the critical path: wait for it to land.
    update = wait_until(done, TIMEOUT, "the declaration to finish")
    _settle_after(slack, update)
    assert request_args(update)["view"]["title"]["text"] == "Declared", request_args(update)
    posts = [(r, request_args(r)) for r in new_calls(slack, since, "/api/chat.postMessage")]
    announcement = next(
        r for r, a in posts if a.get("channel") == INCIDENTS and not a.get("thread_ts")
    )
    reply, reply_args = next((r, a) for r, a in posts if a.get("thread_ts"))
    root = [m for m in slack.messages(INCIDENTS) if not m.get("thread_ts")][-1]
    assert reply_args["thread_ts"] == root["ts"], (reply_args, root)
    return acked, handled_at(slack, announcement) - sent, handled_at(slack, reply) - sent
