"""Figure 7, slow Datadog (issue 20 §3): Slack's 3 seconds while Datadog is slow.

One run, 100 ms per call, Datadog's search and incident reads slowed to 8 s
(`DatadogEmulator.slow`), 12 `/declare list` and 12 Update presses (a card's button) sent at
once; while their Datadog reads are held, `/declare`s are sent open-loop, one every
`window / samples` seconds, each on its own thread (a late ack never delays the next
send). For each `/declare`: its ack (the HTTP answer; anything but a 200 within Slack's 3 s
is a failure) and `views.open` (sent → the Slack emulator records it, matched by trigger;
"missing" when it never comes while the load drains). A wave ends once neither emulator
got a call for the hold plus 1 s (every held read answered, nothing after it); `waves`
waves per bot.

Reference: the same bot idle, before the load (`idle` one-at-a-time `/declare`s), its
`views.open` p99. Goal: loaded ack p99 ≤ 50 ms and loaded `views.open` p99 ≤ 1.2× idle.

Before and after in the same run, one after the other, each with fresh emulators and its
own process (`python -m bot`, HTTP mode): "before" is `--before DIR` if given, else main at
BEFORE_REV exported with `git archive BEFORE_REV | tar -x` into a temporary directory and
imported first through PYTHONPATH (as `start_bot(source=...)` does for figures 1 and 2);
"after" is this working tree. The sync is off (DECLARE_SYNC_INTERVAL=0) so that only the
load reads Datadog.
"""

from __future__ import annotations

import argparse
import io
import math
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.cells import Row
from bench.common import Emulators, Served, request_args, wait_until
from bench.figures import label
from bench.latency import _open_once
from bench.lifecycle import _press_payload, declare_card
from bench.stats import latency_summary
from bot.emulators.base import Request
from bot.emulators.personas import INCIDENTS, TEAM
from bot.emulators.slack.inbound import BotCaller, payload_body, slash_command_body
from bot.emulators.stack import SIGNING_SECRET

BEFORE_REV = "c648f55"
"""main before issue 20 §3: listeners read Datadog on Bolt's threads."""
SLOW_ROUTES = ("GET /api/v2/incidents/search", "GET /api/v2/incidents/{iid}")
ACK_LIMIT = 3.0
"""Slack's deadline for an ack."""
ACK_TARGET_MS = 50.0
OPEN_TARGET = 1.20
MODES = ("before", "after")


@dataclass(frozen=True)
class SlowPlan:
    slow: float = 8.0
    """Seconds Datadog's search and incident reads are held."""
    lists: int = 12
    updates: int = 12
    samples: int = 20
    """`/declare`s per wave, sent while the load's reads are held."""
    waves: int = 2
    idle: int = 20
    """One-at-a-time `/declare`s before the load: the idle reference."""

    @property
    def window(self) -> float:
        """Seconds the samples are spread over: inside the reads' hold, with a margin."""
        return max(0.2, self.slow * 0.75)


def export_before(rev: str, into: Path) -> Path:
    """`git archive rev | tar -x` into `into`: that revision's tree, importable."""
    archive = subprocess.run(["git", "archive", rev], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _start(emulators: Emulators, source: Path | None, name: str) -> Served:
    env = {**emulators.env(), "DECLARE_SYNC_INTERVAL": "0"}
    if source is not None:
        env["PYTHONPATH"] = str(source.resolve())
    return Served(["-m", "bot"], env, name).start()


class _Load:
    """Fires the load and the samples from threads of the load generator's own."""

    def __init__(self, emulators: Emulators, bot: Served, plan: SlowPlan) -> None:
        self.emulators = emulators
        self.bot = bot
        self.plan = plan
        self.pool = ThreadPoolExecutor(plan.lists + plan.updates + plan.samples + 4)
        self.local = threading.local()

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def _caller(self) -> BotCaller:
        """One kept-alive connection per sending thread, like Slack's many senders."""
        caller: BotCaller | None = getattr(self.local, "caller", None)
        if caller is None:
            caller = self.local.caller = BotCaller(self.bot.url, SIGNING_SECRET)
        return caller

    def _slash(self, user: str, text: str = "") -> tuple[str, bytes]:
        trigger = self.emulators.slack.issue_trigger()
        body = slash_command_body(
            text=text,
            user_id=user,
            user_name=user.lower(),
            channel_id=INCIDENTS,
            channel_name="incidents",
            trigger_id=trigger,
            response_url=self.emulators.slack.response_url(),
            team_id=TEAM,
        )
        return trigger, body

    def _post(self, body: bytes) -> tuple[float, float, int]:
        """(sent, seconds to the answer, status; 0 when none came)."""
        sent = time.monotonic()
        try:
            status = self._caller().post(body).status_code
        except httpx.HTTPError:
            status = 0
        return sent, time.monotonic() - sent, status

    def fire(self, card: dict[str, Any], users: list[str]) -> list[Future[Any]]:
        """The load: lists and Update presses, all at once."""
        bodies = [self._slash(users[i % len(users)], "list")[1] for i in range(self.plan.lists)]
        bodies += [
            payload_body(_press_payload(self.emulators, card, users[i % len(users)]))
            for i in range(self.plan.updates)
        ]
        return [self.pool.submit(self._post, b) for b in bodies]

    def sample(self, user: str) -> tuple[str, Future[tuple[float, float, int]]]:
        trigger, body = self._slash(user)
        return trigger, self.pool.submit(self._post, body)


def _last_arrival(emulators: Emulators) -> float:
    with emulators.slack.lock, emulators.datadog.lock:
        found = emulators.slack.requests[-1:] + emulators.datadog.requests[-1:]
    return max((r.received_at for r in found), default=0.0)


def _quiet(emulators: Emulators, quiet: float, limit: float) -> None:
    """Until neither emulator got a call for `quiet` seconds: the load drained (a held read
    was answered and nothing followed it). Work a late listener drops (an expired trigger)
    never reaches Datadog, so calls are not counted."""
    wait_until(
        lambda: time.monotonic() - _last_arrival(emulators) >= quiet,
        limit + 60,
        "the load to drain",
        poll=0.1,
    )


def _views_open(emulators: Emulators, since: int) -> dict[str, Request]:
    with emulators.slack.lock:
        fresh = emulators.slack.requests[since:]
    found: dict[str, Request] = {}
    for request in fresh:
        if request.path == "/api/views.open":
            found.setdefault(str(request_args(request).get("trigger_id")), request)
    return found


def _wave(
    emulators: Emulators, load: _Load, card: dict[str, Any], plan: SlowPlan
) -> dict[str, Any]:
    """One wave: load, samples while it is held, then until the load drained."""
    users = [emulators.add_person() for _ in range(4)]
    people = [emulators.add_person() for _ in range(plan.samples)]
    since = len(emulators.slack.requests)
    fired = load.fire(card, users)
    time.sleep(min(0.3, plan.window / 4))  # the load reaches the bot first
    gap = plan.window / plan.samples
    start = time.monotonic()
    sent: list[tuple[str, Future[tuple[float, float, int]]]] = []
    for i, person in enumerate(people):
        time.sleep(max(0.0, start + i * gap - time.monotonic()))
        sent.append(load.sample(person))
    acks = [future.result(timeout=60) for _, future in sent]
    load_acks = [future.result(timeout=60) for future in fired]
    _quiet(emulators, plan.slow + 1.0, plan.slow * (plan.lists + plan.updates + plan.samples))
    opened = _views_open(emulators, since)
    to_open = [
        opened[t].received_at - s[0] if t in opened else math.inf
        for (t, _), s in zip(sent, acks, strict=True)
    ]
    return {
        "ack_s": [a[1] for a in acks],
        "ack_failed": sum(1 for a in acks if a[2] != 200 or a[1] > ACK_LIMIT),
        "open_s": to_open,
        "load_ack_failed": sum(1 for a in load_acks if a[2] != 200 or a[1] > ACK_LIMIT),
    }


def _summary(samples: list[float]) -> dict[str, float]:
    """latency_summary, with samples that never came (inf) counted at the top."""
    out = latency_summary(samples)
    out["missing"] = sum(1 for s in samples if math.isinf(s))
    out["max_ms"] = max(samples) * 1000 if samples else math.nan
    return out


def measure_bot(latency: float, source: Path | None, name: str, plan: SlowPlan) -> dict[str, Any]:
    """Idle reference, then `waves` loaded waves, on fresh emulators and a fresh bot."""
    with ExitStack() as running:
        emulators = Emulators(latency).start()
        running.callback(emulators.stop)
        bot = running.enter_context(_start(emulators, source, name))
        time.sleep(1.0)  # the org config read at start-up
        card = declare_card(emulators, bot)
        idle = [_open_once(emulators, bot, True)[0] for _ in range(plan.idle)]
        for route in SLOW_ROUTES:
            emulators.datadog.slow(route, plan.slow)
        load = _Load(emulators, bot, plan)
        running.callback(load.close)
        waves = [_wave(emulators, load, card, plan) for _ in range(plan.waves)]
    acks = [s for w in waves for s in w["ack_s"]]
    opens = [s for w in waves for s in w["open_s"]]
    return {
        "idle_open": _summary(idle),
        "loaded_ack": _summary(acks),
        "loaded_open": _summary(opens),
        "ack_failed": sum(w["ack_failed"] for w in waves),
        "load_ack_failed": sum(w["load_ack_failed"] for w in waves),
        "samples": len(acks),
    }


def figure_slow_datadog(
    args: argparse.Namespace, latency: float, log: Callable[[str], None]
) -> dict[str, Any]:
    plan = SlowPlan(
        slow=args.slow_s,
        lists=args.slow_load,
        updates=args.slow_load,
        samples=args.slow_samples,
        waves=args.slow_waves,
        idle=args.slow_samples,
    )
    by_mode: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="declare-bot-before-") as tmp:
        before = args.before or export_before(args.before_rev, Path(tmp))
        for mode in MODES:
            source = before if mode == "before" else None
            by_mode[mode] = measure_bot(latency, source, f"bot-{mode}", plan)
            m = by_mode[mode]
            log(
                f"slow Datadog, {mode}: ack p99 {m['loaded_ack']['p99_ms']:.0f} ms, "
                f"{m['ack_failed']}/{m['samples']} acks failed, views.open p99 "
                f"{m['loaded_open']['p99_ms']:.0f} ms (idle {m['idle_open']['p99_ms']:.1f} ms)"
            )
    ratios = {
        mode: m["loaded_open"]["p99_ms"] / m["idle_open"]["p99_ms"] for mode, m in by_mode.items()
    }
    after = by_mode["after"]
    return {
        "slow_datadog": {
            "what": f"{plan.lists} /declare list + {plan.updates} Update presses at once, "
            f"Datadog's search and incident reads held {plan.slow:g} s; meanwhile /declare "
            "sent open-loop: its ack, and sent → views.open recorded; idle: the same bot "
            "before the load",
            "plan": plan.__dict__,
            "before": str(args.before) if args.before else f"git archive {args.before_rev}",
            "by_mode": by_mode,
            "open_p99_ratio": ratios,
            "targets": {"ack_p99_ms": ACK_TARGET_MS, "open_p99_ratio": OPEN_TARGET},
            "met": {
                "ack": after["loaded_ack"]["p99_ms"] <= ACK_TARGET_MS and not after["ack_failed"],
                "open": ratios["after"] <= OPEN_TARGET,
            },
        }
    }


def slow_rows(f: dict[str, Any]) -> list[Row]:
    def ms(value: float) -> str:
        if math.isinf(value) or math.isnan(value):
            return "never"
        return f"{value:.1f} ms" if value < 1000 else f"{value / 1000:.2f} s"

    out = []
    for mode in MODES:
        m = f["by_mode"][mode]
        target = mode == "after"
        ack, opened, idle = m["loaded_ack"], m["loaded_open"], m["idle_open"]
        out += [
            (
                label("slow_datadog", f"{mode}: /declare ack, Datadog slow"),
                ms(ack["p50_ms"]),
                ms(ack["p99_ms"]),
                f"{m['ack_failed']}/{m['samples']} failed (>3 s or not 200)",
                "",
                f"p99 ≤ {ACK_TARGET_MS:.0f} ms" if target else "(info)",
                ("met" if f["met"]["ack"] else "MISSED") if target else "",
            ),
            (
                label("slow_datadog", f"{mode}: /declare → views.open"),
                ms(opened["p50_ms"]),
                ms(opened["p99_ms"]),
                f"idle p99 {ms(idle['p99_ms'])}; {opened['missing']:.0f} never",
                f"{f['open_p99_ratio'][mode]:.2f}×",
                f"p99 ≤ {OPEN_TARGET:.2f}× idle" if target else "(info)",
                ("met" if f["met"]["open"] else "MISSED") if target else "",
            ),
        ]
    return out
