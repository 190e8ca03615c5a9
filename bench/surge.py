"""Figure 3, surge: a surge of submissions while Datadog rate-limits incident creation.

The modals are opened first (not timed), then every submission is sent on its own
schedule, evenly over the window, whatever the earlier ones are doing. Datadog's
emulator accepts `limit` creates per sliding `period` and answers 429 with
X-RateLimit-Reset beyond that. Afterwards three ledgers are reconciled: the bot's
store, Datadog's incidents and Slack's announcements and thread replies.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from bench.common import (
    Emulators,
    Served,
    handled_at,
    request_args,
    send_slash,
    send_submission,
    view_for,
    vm_kib,
    wait_until,
)
from bench.stats import latency_summary
from bot.domain.declare.record import DeclarationRecord
from bot.emulators.personas import INCIDENTS
from bot.emulators.slack.inbound import declare_form_values
from bot.store.sqlite import SqliteStore

CREATE_ROUTE = "POST /api/v2/incidents"
ACK_LIMIT = 3.0
"""Slack drops an interaction not acknowledged within 3 seconds."""


@dataclass(frozen=True)
class SurgePlan:
    submissions: int = 200
    window: float = 10.0
    limit: int = 50
    period: int = 10
    people: int = 20
    drain_timeout: float = 300.0

    def drain_floor(self, latency: float) -> float:
        """Earliest possible last thread reply: creates paced by arrivals and the window."""
        interval = self.window / self.submissions
        creates: list[float] = []
        for i in range(self.submissions):
            earliest = i * interval
            if i >= self.limit:
                earliest = max(earliest, creates[i - self.limit] + self.period)
            creates.append(earliest)
        return creates[-1] + 3 * latency


def _open_modals(
    emulators: Emulators, bot: Served, plan: SurgePlan
) -> list[tuple[str, dict[str, Any]]]:
    """(declarer, opened modal) for every submission to come, a few opened at a time."""
    people = [emulators.add_person() for _ in range(plan.people)]

    def open_one(i: int) -> tuple[str, dict[str, Any]]:
        user = people[i % len(people)]
        trigger, _, ack = send_slash(bot, emulators, user)
        assert ack.status_code == 200, ack.text
        return user, wait_until(lambda: view_for(emulators, trigger), 60, "a modal", 0.02)

    with ThreadPoolExecutor(8) as pool:
        opened = list(pool.map(open_one, range(plan.submissions)))
    # The people take their time filling the form in: every commander lookup has finished.
    wait_until(
        lambda: len(emulators.datadog.calls("/api/v2/users")) >= len(people),
        60,
        "the commander lookups",
        0.02,
    )
    time.sleep(emulators.latency + 0.2)
    return opened


def measure_surge(emulators: Emulators, bot: Served, plan: SurgePlan) -> dict[str, Any]:
    opened = _open_modals(emulators, bot, plan)
    emulators.datadog.rate_limit(CREATE_ROUTE, limit=plan.limit, period=plan.period)
    acks: list[float] = []
    refused: list[str] = []
    lock = threading.Lock()
    interval = plan.window / plan.submissions
    start = time.monotonic() + 0.05

    def submit(i: int) -> None:
        user, view = opened[i]
        values = declare_form_values(title=f"Surge {i:03d}: checkout 5xx", commander=user)
        time.sleep(max(0.0, start + i * interval - time.monotonic()))
        sent, response = send_submission(bot, emulators, view, values, user)
        took = time.monotonic() - sent
        ok = response.status_code == 200 and response.json().get("response_action") == "update"
        with lock:
            acks.append(took)
            if not ok:
                refused.append(f"{response.status_code} {response.text[:200]}")

    with ThreadPoolExecutor(min(64, plan.submissions)) as pool:
        list(pool.map(submit, range(plan.submissions)))
    sent_all = time.monotonic() - start
    store = SqliteStore(bot.store_path)
    try:
        accepted = plan.submissions - len(refused)

        def finished() -> bool:
            return sum(r.step.value in ("done", "failed") for r in store.all()) >= accepted

        try:
            wait_until(finished, plan.drain_timeout, "the surge to drain", 0.25)
            drained = True
        except TimeoutError:
            drained = False
        time.sleep(emulators.latency + 0.1)  # the last modal updates
        records = store.all()
    finally:
        store.close()
    return {
        "plan": asdict(plan),
        "ack": latency_summary(acks),
        "acks_over_3s": sum(1 for a in acks if a > ACK_LIMIT),
        "refused": refused,
        "submit_window_s": sent_all,
        "drained": drained,
        "rss_after_mib": vm_kib(bot.pid) / 1024,
        "rss_peak_mib": vm_kib(bot.pid, "VmHWM") / 1024,
        **_reconcile(emulators, records, start, plan.submissions),
    }


def _reconcile(
    emulators: Emulators, records: list[DeclarationRecord], start: float, expected: int
) -> dict[str, Any]:
    """Count what each side holds: one incident, one announcement, one reply per declaration."""
    steps = Counter(r.step.value for r in records)
    with emulators.datadog.lock:
        incidents = list(emulators.datadog.incidents.values())
    titles = Counter(str(i["attributes"]["title"]) for i in incidents)
    incident_ids = Counter(r.incident_id for r in records if r.incident_id)
    posts = [
        (r, request_args(r))
        for r in emulators.slack.calls("/api/chat.postMessage")
        if r.received_at >= start
    ]
    announcements = [
        r for r, a in posts if a.get("channel") == INCIDENTS and not a.get("thread_ts")
    ]
    replies = [r for r, a in posts if a.get("thread_ts")]
    creates = [
        r for r in emulators.datadog.calls("/api/v2/incidents", "POST") if r.received_at >= start
    ]
    done = {r.incident_id for r in records if r.step.value == "done" and r.incident_id}
    last_reply = max((handled_at(emulators.slack, r) for r in replies), default=math.nan)
    return {
        "records": len(records),
        "steps": dict(steps),
        "incidents": len(incidents),
        "duplicate_incidents": sum(n - 1 for n in titles.values() if n > 1),
        "records_sharing_an_incident": sum(n for n in incident_ids.values() if n > 1),
        "announcements": len(announcements),
        "thread_replies": len(replies),
        "lost": expected - len(done),
        "create_calls": len(creates),
        "create_rejections": len(creates) - len(incidents),
        "most_create_attempts_failed": max((r.attempts for r in records), default=0),
        "drain_s": last_reply - start,
        "failed_reasons": sorted({r.error or "" for r in records if r.step.value == "failed"}),
    }
