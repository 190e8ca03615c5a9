"""The machine, the figures table and the JSON document."""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path
from typing import Any

from bench.alerts import alert_rows
from bench.cells import Row, met, ms, ratio
from bench.figures import label as figure_label
from bench.figures import legend
from bench.placeholder import placeholder_rows
from bench.slow_datadog import slow_rows


def machine() -> dict[str, Any]:
    """What the figures came from: `nproc`, `uname -m`, the CPU model, memory, Python."""
    model = "unknown"
    mem_kib = 0
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in cpuinfo
                    if line.startswith("model name")
                ),
                model,
            )
        with open("/proc/meminfo") as meminfo:
            mem_kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "machine": platform.machine(),
        "cpu_model": model,
        "memory_gib": round(mem_kib / 1024**2, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def rows(result: dict[str, Any]) -> list[Row]:
    """One row per figure: name, p50, p99, compared with, ratio, target, met."""
    figures = result["figures"]
    out: list[Row] = []
    if "open_modal" in figures:
        f = figures["open_modal"]
        bot, base = f["median"]["bot"], f["median"]["baseline"]
        out.append(
            (
                figure_label("open_modal", "/declare → views.open (bot)"),
                ms(bot["p50_ms"]),
                ms(bot["p99_ms"]),
                f"baseline p99 {ms(base['p99_ms'])}",
                ratio(f["p99_ratio"]),
                "p99 ≤ 1.20× baseline",
                met(f["met"]),
            )
        )
        tiny = f["median"]["baseline_tiny"]
        first = f["first_request"]
        out += [
            ("  bare Bolt, same form", ms(base["p50_ms"]), ms(base["p99_ms"]), "", "", "", ""),
            (
                "  bare Bolt, one-input form",
                ms(tiny["p50_ms"]),
                ms(tiny["p99_ms"]),
                f"bot/this p99 {ratio(bot['p99_ms'] / tiny['p99_ms'])}",
                "",
                "(info)",
                "",
            ),
            (
                "  first /declare after start",
                ms(first["bot_ms"]),
                "",
                f"baseline {ms(first['baseline_ms'])}",
                "",
                "(info)",
                "",
            ),
        ]
        ratios = f.get("p50_ratio", {})
        if "baseline_docs" in f["median"]:
            docs = f["median"]["baseline_docs"]
            out.append(
                (
                    "  Bolt README app (app.start)",
                    ms(docs["p50_ms"]),
                    ms(docs["p99_ms"]),
                    "bot p50 / this p50",
                    ratio(ratios.get("bot/docs")),
                    "p50 ≤ 1.20×",
                    met(ratios.get("bot/docs", math.inf) <= 1.2),
                )
            )
            out.append(
                (
                    "  (bot p50 / same form p50)",
                    "",
                    "",
                    "",
                    ratio(ratios.get("bot/same_form")),
                    "p50 ≤ 1.20×",
                    met(ratios.get("bot/same_form", math.inf) <= 1.2),
                )
            )
        if "bot_before" in f["median"]:
            before = f["median"]["bot_before"]
            out.append(
                (
                    "  bot before (--before)",
                    ms(before["p50_ms"]),
                    ms(before["p99_ms"]),
                    "its p50 / README app p50",
                    ratio(ratios.get("bot_before/docs")),
                    "(info)",
                    "",
                )
            )
    if "first_after_start" in figures:
        f = figures["first_after_start"]
        for name, label in (
            ("bot", figure_label("first_after_start", "first /declare after a start")),
            ("bot_before", "  bot before (--before)"),
            ("baseline_docs", "  Bolt README app (app.start)"),
        ):
            if name not in f["by_app"]:
                continue
            app = f["by_app"][name]
            out.append(
                (
                    label,
                    ms(app["first_ms"]),
                    "",
                    f"steady p50 {ms(app['steady_p50_ms'])}",
                    ratio(app["ratio"]),
                    "first ≤ 1.20× steady" if name == "bot" else "(info)",
                    met(f["met"]) if name == "bot" else "",
                )
            )
            if app.get("firsts_new_connection_ms"):
                out.append(
                    (
                        "    (first on a new connection)",
                        ms(app["first_new_connection_ms"]),
                        "",
                        f"steady p50 {ms(app['steady_p50_ms'])}",
                        ratio(app["ratio_new_connection"]),
                        "(info)",
                        "",
                    )
                )
    if "submit" in figures:
        f = figures["submit"]
        for key, label in (
            ("prefetched_announcement", figure_label("submit", "submit → announcement")),
            ("prefetched_reply", figure_label("submit", "submit → thread reply")),
            ("not_prefetched_announcement", "  no prefetch: → announcement"),
            ("not_prefetched_reply", "  no prefetch: → thread reply"),
            ("prefetched_ack", "  submit ack (prefetched)"),
            ("not_prefetched_ack", "  submit ack (no prefetch)"),
        ):
            item = f["median"][key]
            bound = f["bounds_ms"].get(key)
            target = f["targets"].get(key)
            out.append(
                (
                    label,
                    ms(item["p50_ms"]),
                    ms(item["p99_ms"]),
                    f"bound {ms(bound)}" if bound else "",
                    ratio(f["p99_ratio"].get(key)) if bound else "",
                    f"p99 ≤ {target:.2f}× bound" if target else ("(info)" if bound else ""),
                    met(f["met"].get(key)) if target else "",
                )
            )
    if "surge" in figures:
        f = figures["surge"]
        m = f["median"]
        out.append(
            (
                figure_label(
                    "surge", f"surge ack ({f['plan']['submissions']} in {f['plan']['window']:g} s)"
                ),
                ms(m["ack_p50_ms"]),
                ms(m["ack_p99_ms"]),
                f"max {ms(f['worst']['ack_max_ms'])}",
                "",
                "every ack ≤ 3 s",
                met(f["met"]["acks"]),
            )
        )
        out.append(
            (
                "  incidents / dup / lost",
                "",
                "",
                f"{f['worst']['incidents']} / {f['worst']['duplicates']} / {f['worst']['lost']}",
                "",
                f"{f['plan']['submissions']} / 0 / 0",
                met(f["met"]["ledger"]),
            )
        )
        out.append(
            (
                f"  time to drain ({f['plan']['limit']} creates / {f['plan']['period']} s)",
                ms(m["drain_s"] * 1000),
                "",
                f"floor {ms(f['drain_floor_s'] * 1000)}",
                "",
                "(info)",
                "",
            )
        )
        out.append(
            (
                "  bot RSS after the surge",
                f"{m['rss_after_mib']:.1f} MiB",
                "",
                f"peak {m['rss_peak_mib']:.1f} MiB",
                "",
                "(info)",
                "",
            )
        )
    if "replica_surge" in figures and "run" in figures["replica_surge"]:
        f = figures["replica_surge"]
        r = f["run"]
        out += [
            (
                figure_label(
                    "replica_surge",
                    f"surge over {r['replicas']} replicas, ack ({r['plan']['submissions']})",
                ),
                ms(r["ack"]["p50_ms"]),
                ms(r["ack"]["p99_ms"]),
                f"max {ms(r['ack']['max_ms'])}",
                "",
                "p99 < 3 s",
                met(f["met"]["acks"]),
            ),
            (
                "  incidents / dup / lost",
                "",
                "",
                f"{r['incidents']} / "
                f"{r['duplicate_incidents'] + r['records_sharing_an_incident']} / {r['lost']}",
                "",
                f"{r['plan']['submissions']} / 0 / 0",
                met(f["met"]["ledger"]),
            ),
            (
                "  time to drain",
                ms(r["drain_s"] * 1000),
                "",
                f"floor {ms(r['drain_floor_s'] * 1000)}",
                ratio(f["drain_ratio"]),
                "≤ 1.10× floor",
                met(f["met"]["drain"]),
            ),
            ("  429s received", str(r["rate_limited_429s"]), "", "", "", "(info)", ""),
        ]
    if "footprint" in figures:
        f = figures["footprint"]["median"]
        out.append(
            (
                figure_label("footprint", "cold start → /healthz"),
                ms(f["ready_s"] * 1000),
                "",
                "",
                "",
                "(info)",
                "",
            )
        )
        out.append(("  idle RSS", f"{f['idle_rss_mib']:.1f} MiB", "", "", "", "(info)", ""))
    if "channel" in figures:
        f = figures["channel"]
        item = f["median"]["pointer"]
        out.append(
            (
                figure_label("channel", "submit → pointer (incident channel)"),
                ms(item["p50_ms"]),
                ms(item["p99_ms"]),
                f"bound {ms(f['bound_ms'])}",
                ratio(f["p99_ratio"]),
                "p99 ≤ 1.15× bound",
                met(f["met"]),
            )
        )
    if "alert" in figures:
        out += alert_rows(figures["alert"])
    if "lifecycle" in figures:
        out += _lifecycle_rows(figures["lifecycle"])
    if "responders" in figures:
        out += _responder_rows(figures["responders"])
    if "placeholder" in figures:
        out += placeholder_rows(figures["placeholder"])
    if "slow_datadog" in figures:
        out += slow_rows(figures["slow_datadog"])
    if "reminders" in figures:
        out += _reminder_rows(figures["reminders"])
    return out


def _reminder_rows(f: dict[str, Any]) -> list[Row]:
    """Figure 11: one row per scenario (open / due), per minute of two ticks."""
    out: list[Row] = []
    for n, r in enumerate(f["rows"]):
        name = f"{r['open']} open / {r['due']} due, per minute ({r.get('store', 'sqlite')})"
        out.append(
            (
                figure_label("reminders", name) if n == 0 else f"  {name}",
                ms(r["ms"]),
                "",
                f"store {r['store_reads']} reads, {r['store_writes']} writes; "
                f"Slack {r['slack_calls']}",
                "",
                "grows with due, not open",
                met(f["grows_with_due_not_open"]) if n == 0 else "",
            )
        )
    return out


def _responder_rows(f: dict[str, Any]) -> list[Row]:
    m, calls = f["median"], f["calls"]
    return [
        (
            figure_label("responders", "Add responder: ack → card and note"),
            ms(m["after"]["p50_ms"]),
            ms(m["after"]["p99_ms"]),
            f"before (naive order) p50 {ms(m['before']['p50_ms'])}",
            f"{calls['after']['p50']:.2f} vs {calls['before']['p50']:.2f} calls",
            "fewer calls of latency than the naive order",
            met(f["met"]),
        ),
        (
            "  … submit → ack (the person found, the role checked)",
            ms(m["ack"]["p50_ms"]),
            ms(m["ack"]["p99_ms"]),
            "",
            f"{calls['ack']['p50']:.2f} calls",
            "(info)",
            "",
        ),
    ]


def _lifecycle_rows(f: dict[str, Any]) -> list[Row]:
    m, sync = f["median"], f["sync_calls"]
    return [
        (
            figure_label("lifecycle", "Update → views.open"),
            ms(m["update_open"]["p50_ms"]),
            ms(m["update_open"]["p99_ms"]),
            f"/declare p99 {ms(m['declare_open']['p99_ms'])}",
            ratio(f["open_p99_ratio"]),
            f"p99 ≤ {f['targets']['open']:.2f}× /declare",
            met(f["met"]["open"]),
        ),
        (
            figure_label("lifecycle", "update submit → card updated"),
            ms(m["submit_to_card"]["p50_ms"]),
            ms(m["submit_to_card"]["p99_ms"]),
            f"bound {ms(f['card_bound_ms'])}",
            ratio(f["card_p99_ratio"]),
            f"p99 ≤ {f['targets']['card']:.2f}× PATCH+chat.update",
            met(f["met"]["card"]),
        ),
        (
            "  … over GET + PATCH + chat.update",
            "",
            "",
            f"bound {ms(f['card_bound_ms'] * 1.5)}",
            ratio(f["card_p99_ratio_with_get"]),
            "(info)",
            "",
        ),
        (
            f"  Datadog calls / sync tick ({sync['open_incidents']} open)",
            f"{sync['unchanged']} idle",
            "",
            f"5 moved: {sync['5_changed']}, all: {sync['all_changed']}",
            "",
            f"1 + moved (≤ {sync['open_incidents'] + 1})",
            met(sync["met"]),
        ),
    ]


def table(result: dict[str, Any]) -> str:
    header: Row = ("figure", "p50", "p99", "compared with", "ratio", "target", "")
    body = rows(result)
    widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]
    lines = [
        " | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True))
        for r in (header, *body)
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    lines.append(legend(set(result["figures"])))
    return "\n".join(line.rstrip() for line in lines)


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, sort_keys=False, default=str) + "\n")
