"""Benchmark declare-bot against the loopback emulators; prints a table, writes JSON.

    python -m bench.run                  # the full benchmark (several minutes)
    python -m bench.run --smoke          # tiny counts, to prove it still runs (CI)
    python -m bench.run --latency-ms 50 --runs 3 --only open,submit

Every load goes to 127.0.0.1, is bounded in count and time, and stops by itself.
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.alerts import figure_alert
from bench.channel import figure_channel
from bench.common import Emulators, start_baseline, start_bot
from bench.figures import OPTIONS
from bench.footprint import measure_footprint
from bench.latency import first_open, measure_open, measure_submit
from bench.lifecycle_figure import figure_lifecycle
from bench.placeholder import figure_placeholder
from bench.reminders import figure_reminders
from bench.replicas import measure_replica_surge
from bench.report import machine, table, write_json
from bench.responders import figure_responders
from bench.slow_datadog import BEFORE_REV, figure_slow_datadog
from bench.startup import measure_first_after_start
from bench.stats import over_runs
from bench.surge import SurgePlan, measure_surge

FIGURES = OPTIONS
"""`--only`'s names, in the order they run (bench/figures.py numbers and names them)."""
STARTUP_SETTLE = 1.0
"""Seconds between an app answering /healthz and the first request: the bot reads the org's
incident configuration at startup, and a /declare that early would wait for it."""
OPEN_TARGET = 1.20
"""Figure 1: the bot's p99 to views.open, at most this many times the bare Bolt app's;
and its p50 at most this many times Bolt's README app's and the same form's on waitress."""
FIRST_TARGET = 1.20
"""The first /declare after a start, at most this many times the steady-state p50."""
SUBMIT_TARGET = 1.15
"""Figure 2: p99 to the announcement and to the thread reply, over the critical path."""
SUBMIT_BOUNDS = {
    "prefetched_announcement": 1,  # the placeholder, beside the create (issue 15)
    "prefetched_reply": 2,  # create, reply (beside the placeholder's edit)
    "not_prefetched_announcement": 3,  # users.info, Datadog users (before the ack), post
    "not_prefetched_reply": 4,  # users.info, Datadog users, create, reply
}
"""Critical-path lower bounds, in multiples of the injected per-call latency."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny counts, well under a minute")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="added to every API call")
    parser.add_argument("--runs", type=int, help="repeats of figures 1, 2 and 4 (default 5)")
    parser.add_argument("--open-samples", type=int, help="/declare per app per run (default 100)")
    parser.add_argument("--submit-samples", type=int, help="submits per mode per run (default 10)")
    parser.add_argument("--alert-samples", type=int, help="shortcuts per kind per run (default 30)")
    parser.add_argument("--surge-runs", type=int, help="repeats of the surge (default 3)")
    parser.add_argument("--surge", type=int, help="submissions in the surge (default 200)")
    parser.add_argument("--surge-window", type=float, help="seconds they arrive over (default 10)")
    parser.add_argument("--surge-limit", type=int, help="Datadog creates per period (default 50)")
    parser.add_argument("--surge-period", type=int, help="rate-limit period, s (default 10)")
    parser.add_argument("--lifecycle-samples", type=int, help="updates per run (default 20)")
    parser.add_argument(
        "--responder-samples", type=int, help="Add responder submits per run, each way (20)"
    )
    parser.add_argument("--sync-incidents", type=int, help="open incidents synced (default 50)")
    parser.add_argument("--sync-interval", type=float, help="DECLARE_SYNC_INTERVAL (default 2)")
    parser.add_argument(
        "--only", default=",".join(FIGURES), help="comma list of " + ", ".join(FIGURES)
    )
    parser.add_argument(
        "--restarts",
        type=int,
        help="starts per app, figure first (default 12: 6 on each kind of connection)",
    )
    parser.add_argument("--replicas", type=int, help="bots on one Redis, figure replicas (3)")
    parser.add_argument(
        "--replica-surge", type=int, help="submissions in the replicas' surge (default 300)"
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="a source tree of the code before a change (e.g. `git archive main | tar -x`): "
        "figures open and first run it too, as bot_before, side by side",
    )
    parser.add_argument(
        "--before-rev",
        default=BEFORE_REV,
        help=f"figure slow without --before: the revision exported as before ({BEFORE_REV})",
    )
    parser.add_argument("--slow-s", type=float, help="figure slow: Datadog's reads held (8)")
    parser.add_argument("--slow-load", type=int, help="lists and Update presses, each (12)")
    parser.add_argument("--slow-samples", type=int, help="/declare per wave, and idle (20)")
    parser.add_argument("--slow-waves", type=int, help="loaded waves per bot (2)")
    parser.add_argument("--out", type=Path, help="JSON file (default bench/results/latest.json)")
    args = parser.parse_args(argv)
    full = {
        "runs": 5,
        "open_samples": 100,
        "submit_samples": 10,
        "alert_samples": 30,
        "surge_runs": 3,
        "surge": 200,
        "surge_window": 10.0,
        "surge_limit": 50,
        "surge_period": 10,
        "restarts": 12,
        "replicas": 3,
        "replica_surge": 300,
        "lifecycle_samples": 20,
        "responder_samples": 20,
        "sync_incidents": 50,
        "sync_interval": 2.0,
        "slow_s": 8.0,
        "slow_load": 12,
        "slow_samples": 20,
        "slow_waves": 2,
        "out": Path("bench/results/latest.json"),
    }
    smoke = {
        "runs": 3,
        "open_samples": 5,
        "submit_samples": 2,
        "alert_samples": 3,
        "surge_runs": 1,
        "surge": 10,
        "surge_window": 2.0,
        "surge_limit": 5,
        "surge_period": 1,
        "restarts": 2,
        "replicas": 2,
        "replica_surge": 10,
        "lifecycle_samples": 2,
        "responder_samples": 2,
        "sync_incidents": 8,
        "sync_interval": 0.3,
        "slow_s": 1.0,
        "slow_load": 2,
        "slow_samples": 3,
        "slow_waves": 1,
        "out": Path("bench/results/smoke.json"),
    }
    for key, value in (smoke if args.smoke else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.only = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = set(args.only) - set(FIGURES)
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(sorted(unknown))}")
    return args


def figure_latency(args: argparse.Namespace, latency: float) -> dict[str, Any]:
    """Figures 1 and 2: fresh emulators, bot and baseline processes for every run."""
    opens: list[dict[str, Any]] = []
    submits: list[dict[str, Any]] = []
    for run in range(args.runs):
        with ExitStack() as running:
            emulators = Emulators(latency).start()
            running.callback(emulators.stop)
            bot = running.enter_context(start_bot(emulators))
            time.sleep(STARTUP_SETTLE)
            if "open" in args.only:
                # The baseline opens, frozen, the very form the bot just opened.
                first_bot, form = first_open(emulators, bot, is_bot=True)
                apps = {
                    "bot": bot,
                    "baseline": running.enter_context(start_baseline(emulators, form)),
                    "baseline_tiny": running.enter_context(
                        start_baseline(emulators, None, "baseline-tiny")
                    ),
                    "baseline_docs": running.enter_context(
                        start_baseline(emulators, None, "baseline-docs", docs=True)
                    ),
                }
                if args.before:
                    apps["bot_before"] = running.enter_context(
                        start_bot(emulators, args.before, "bot-before")
                    )
                time.sleep(STARTUP_SETTLE)
                first = {"bot_ms": first_bot}
                for name in apps:
                    if name != "bot":
                        first[f"{name}_ms"] = first_open(
                            emulators, apps[name], is_bot=name.startswith("bot")
                        )[0]
                opens.append(
                    {"first_request": first} | measure_open(emulators, apps, args.open_samples)
                )
            if "submit" in args.only:
                submits.append(measure_submit(emulators, bot, args.submit_samples))
        log(f"run {run + 1}/{args.runs} of figures 1-2 done")
    figures: dict[str, Any] = {}
    if opens:
        median = {k: over_runs([r[k] for r in opens]) for k in opens[0] if k != "first_request"}
        ratio = median["bot"]["p99_ms"] / median["baseline"]["p99_ms"]
        p50_ratio = {
            name: median[bot]["p50_ms"] / median[base]["p50_ms"]
            for bot in ("bot", "bot_before")
            if bot in median
            for name, base in (
                (f"{bot}/docs", "baseline_docs"),
                (f"{bot}/same_form", "baseline"),
                (f"{bot}/tiny", "baseline_tiny"),
            )
        }
        figures["open_modal"] = {
            "what": "signed /declare sent → views.open arrives at the Slack emulator",
            "baseline": "bare Bolt app in its own process opening, static, the form the bot "
            "opened (baseline); the same with a one-input form (baseline_tiny)",
            "median": median,
            "first_request": over_runs([r["first_request"] for r in opens]),
            "p99_ratio": ratio,
            "p50_ratio": p50_ratio,
            "target": f"p99 ≤ {OPEN_TARGET:.2f}× the bare Bolt baseline; p50 ≤ "
            f"{OPEN_TARGET:.2f}× Bolt's README app and the same form on waitress",
            "met": ratio <= OPEN_TARGET
            and p50_ratio["bot/docs"] <= OPEN_TARGET
            and p50_ratio["bot/same_form"] <= OPEN_TARGET,
            "runs": opens,
        }
    if submits:
        keys = submits[0].keys()
        median = {k: over_runs([r[k] for r in submits]) for k in keys}
        bounds = {k: n * latency * 1000 for k, n in SUBMIT_BOUNDS.items()}
        p99_ratio = {k: median[k]["p99_ms"] / b if b else math.nan for k, b in bounds.items()}
        targets = {k: SUBMIT_TARGET for k in bounds if k.startswith("prefetched")}
        figures["submit"] = {
            "what": "signed view_submission sent → the post is handled by the Slack emulator",
            "median": median,
            "bounds_ms": bounds,
            "p50_ratio": {k: median[k]["p50_ms"] / b if b else math.nan for k, b in bounds.items()},
            "p99_ratio": p99_ratio,
            "targets": targets,
            "met": {k: p99_ratio[k] <= t for k, t in targets.items() if latency > 0},
            "runs": submits,
        }
    return figures


def figure_first(args: argparse.Namespace, latency: float) -> dict[str, Any]:
    """Item 2: the first /declare after a start against the steady state, fresh starts."""
    before = args.before
    apps = {
        "bot": lambda em: start_bot(em),
        "baseline_docs": lambda em: start_baseline(em, None, "baseline-docs", docs=True),
    }
    if before:
        apps["bot_before"] = lambda em: start_bot(em, before, "bot-before")
    by_app = measure_first_after_start(
        latency, args.restarts, max(3, args.open_samples // 10), apps
    )
    log(f"first after start: {args.restarts} starts per app done")
    return {
        "first_after_start": {
            "what": "start, settle 1 s, one /declare → views.open (first), then steady ones; "
            "first over the steady p50; restarts alternate: the load generator's connection "
            "opened first (like the steady samples': the target) or a new one (info)",
            "by_app": by_app,
            "target": f"first ≤ {FIRST_TARGET:.2f}× steady p50",
            "met": by_app["bot"]["ratio"] <= FIRST_TARGET,
        }
    }


def figure_surge(args: argparse.Namespace, latency: float) -> dict[str, Any]:
    plan = SurgePlan(
        submissions=args.surge,
        window=args.surge_window,
        limit=args.surge_limit,
        period=args.surge_period,
        people=min(20, args.surge),
    )
    runs: list[dict[str, Any]] = []
    for run in range(args.surge_runs):
        with ExitStack() as running:
            emulators = Emulators(latency).start()
            running.callback(emulators.stop)
            bot = running.enter_context(start_bot(emulators))
            time.sleep(STARTUP_SETTLE)
            runs.append(measure_surge(emulators, bot, plan))
        r = runs[-1]
        log(
            f"surge {run + 1}/{args.surge_runs}: drained in {r['drain_s']:.1f}s, "
            f"{r['incidents']} incidents, ack p99 {r['ack']['p99_ms']:.0f} ms"
        )
    n = plan.submissions
    ledgers_ok = all(
        r["drained"]
        and r["records"] == r["incidents"] == r["announcements"] == r["thread_replies"] == n
        and r["duplicate_incidents"] == 0
        and r["records_sharing_an_incident"] == 0
        and r["lost"] == 0
        for r in runs
    )
    return {
        "surge": {
            "what": f"{n} submissions in {plan.window:g}s; Datadog allows {plan.limit} creates "
            f"per {plan.period}s (429 + X-RateLimit-Reset beyond)",
            "plan": plan.__dict__,
            "median": {
                "ack_p50_ms": statistics.median(r["ack"]["p50_ms"] for r in runs),
                "ack_p99_ms": statistics.median(r["ack"]["p99_ms"] for r in runs),
                "drain_s": statistics.median(r["drain_s"] for r in runs),
                "rss_after_mib": statistics.median(r["rss_after_mib"] for r in runs),
                "rss_peak_mib": statistics.median(r["rss_peak_mib"] for r in runs),
            },
            "worst": {
                "ack_max_ms": max(r["ack"]["max_ms"] for r in runs),
                "incidents": min(r["incidents"] for r in runs),
                "duplicates": max(
                    r["duplicate_incidents"] + r["records_sharing_an_incident"] for r in runs
                ),
                "lost": max(r["lost"] for r in runs),
            },
            "drain_floor_s": plan.drain_floor(latency),
            "met": {
                "acks": all(r["acks_over_3s"] == 0 and not r["refused"] for r in runs),
                "ledger": ledgers_ok,
            },
            "runs": runs,
        }
    }


def figure_replicas(args: argparse.Namespace, latency: float) -> dict[str, Any]:
    """Item 4: the surge over `--replicas` bots on one Redis, with the 429s they received."""
    plan = SurgePlan(
        submissions=args.replica_surge,
        window=args.surge_window,
        limit=args.surge_limit,
        period=args.surge_period,
        people=min(20, args.replica_surge),
    )
    try:
        run = measure_replica_surge(latency, plan, args.replicas)
    except RuntimeError as exc:  # no redis-server here
        log(f"replicas skipped: {exc}")
        return {"replica_surge": {"skipped": str(exc)}}
    n = plan.submissions
    ledger_ok = (
        run["drained"]
        and run["records"] == run["incidents"] == run["announcements"] == n
        and run["thread_replies"] == n
        and run["duplicate_incidents"] == 0
        and run["records_sharing_an_incident"] == 0
        and run["lost"] == 0
    )
    drain_ratio = run["drain_s"] / run["drain_floor_s"]
    log(
        f"replicas: drained in {run['drain_s']:.1f}s (floor {run['drain_floor_s']:.1f}s), "
        f"{run['rate_limited_429s']} 429s, ack p99 {run['ack']['p99_ms']:.0f} ms"
    )
    return {
        "replica_surge": {
            "what": f"{n} submissions in {plan.window:g}s over {args.replicas} replicas on one "
            f"Redis; Datadog allows {plan.limit} creates per {plan.period}s",
            "run": run,
            "drain_ratio": drain_ratio,
            "met": {
                "ledger": ledger_ok,
                "acks": run["ack"]["p99_ms"] < 3000 and not run["refused"],
                "drain": drain_ratio <= 1.10,
            },
        }
    }


def figure_footprint(args: argparse.Namespace, latency: float) -> dict[str, Any]:
    runs = measure_footprint(args.runs, latency)
    return {
        "footprint": {
            "what": "python -m bot (HTTP mode) exec → GET /healthz 200; VmRSS 1 s after ready",
            "median": over_runs(runs),
            "runs": runs,
        }
    }


def _describe(before: Path | None) -> dict[str, str]:
    """Which code ran: this tree's commit, and the `--before` tree if any."""
    import subprocess

    def head() -> str:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() or "unknown"

    return {"bot": head(), "bot_before": str(before) if before else ""}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    latency = args.latency_ms / 1000
    started = time.monotonic()
    result: dict[str, Any] = {
        "code": _describe(args.before),
        "machine": machine(),
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "figures": {},
    }
    if {"open", "submit"} & set(args.only):
        result["figures"].update(figure_latency(args, latency))
    if "first" in args.only:
        result["figures"].update(figure_first(args, latency))
    if "surge" in args.only:
        result["figures"].update(figure_surge(args, latency))
    if "replicas" in args.only:
        result["figures"].update(figure_replicas(args, latency))
    if "footprint" in args.only:
        result["figures"].update(figure_footprint(args, latency))
    if "channel" in args.only:
        result["figures"].update(figure_channel(args.runs, args.submit_samples, latency))
    if "alert" in args.only:
        result["figures"].update(figure_alert(args, latency))
    if "lifecycle" in args.only:
        result["figures"].update(figure_lifecycle(args, latency, STARTUP_SETTLE, log))
    if "responders" in args.only:
        result["figures"].update(figure_responders(args, latency, STARTUP_SETTLE, log))
    if "placeholder" in args.only:
        result["figures"].update(figure_placeholder(args, latency, STARTUP_SETTLE, log))
    if "slow" in args.only:
        result["figures"].update(figure_slow_datadog(args, latency, log))
    if "reminders" in args.only:
        result["figures"].update(figure_reminders(log))
    result["elapsed_s"] = time.monotonic() - started
    m = result["machine"]
    print(
        f"\ndeclare-bot benchmark — {args.latency_ms:g} ms per API call, medians over "
        f"{args.runs} runs (surge: {args.surge_runs}){' [smoke]' if args.smoke else ''}"
    )
    print(
        f"machine: {m['nproc']} × {m['cpu_model']} ({m['machine']}), {m['memory_gib']} GiB, "
        f"Python {m['python']}\n"
    )
    print(table(result))
    write_json(result, args.out)
    print(f"\nJSON: {args.out} ({result['elapsed_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main())
