"""The machine, the figures table and the JSON document."""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path
from typing import Any


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


def _ms(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def _ratio(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}×"


def _met(value: bool | None) -> str:
    return "-" if value is None else ("met" if value else "MISSED")


Row = tuple[str, str, str, str, str, str, str]


def rows(result: dict[str, Any]) -> list[Row]:
    """One row per figure: name, p50, p99, compared with, ratio, target, met."""
    figures = result["figures"]
    out: list[Row] = []
    if "open_modal" in figures:
        f = figures["open_modal"]
        bot, base = f["median"]["bot"], f["median"]["baseline"]
        out.append(
            (
                "1 /declare → views.open (bot)",
                _ms(bot["p50_ms"]),
                _ms(bot["p99_ms"]),
                f"baseline p99 {_ms(base['p99_ms'])}",
                _ratio(f["p99_ratio"]),
                "p99 ≤ 1.20× baseline",
                _met(f["met"]),
            )
        )
        tiny = f["median"]["baseline_tiny"]
        first = f["first_request"]
        out += [
            ("  bare Bolt, same form", _ms(base["p50_ms"]), _ms(base["p99_ms"]), "", "", "", ""),
            (
                "  bare Bolt, one-input form",
                _ms(tiny["p50_ms"]),
                _ms(tiny["p99_ms"]),
                f"bot/this p99 {_ratio(bot['p99_ms'] / tiny['p99_ms'])}",
                "",
                "(info)",
                "",
            ),
            (
                "  first /declare after start",
                _ms(first["bot_ms"]),
                "",
                f"baseline {_ms(first['baseline_ms'])}",
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
                    _ms(docs["p50_ms"]),
                    _ms(docs["p99_ms"]),
                    "bot p50 / this p50",
                    _ratio(ratios.get("bot/docs")),
                    "p50 ≤ 1.20×",
                    _met(ratios.get("bot/docs", math.inf) <= 1.2),
                )
            )
            out.append(
                (
                    "  (bot p50 / same form p50)",
                    "",
                    "",
                    "",
                    _ratio(ratios.get("bot/same_form")),
                    "p50 ≤ 1.20×",
                    _met(ratios.get("bot/same_form", math.inf) <= 1.2),
                )
            )
        if "bot_before" in f["median"]:
            before = f["median"]["bot_before"]
            out.append(
                (
                    "  bot before (--before)",
                    _ms(before["p50_ms"]),
                    _ms(before["p99_ms"]),
                    "its p50 / README app p50",
                    _ratio(ratios.get("bot_before/docs")),
                    "(info)",
                    "",
                )
            )
    if "first_after_start" in figures:
        f = figures["first_after_start"]
        for name, label in (
            ("bot", "1b first /declare after a start"),
            ("bot_before", "  bot before (--before)"),
            ("baseline_docs", "  Bolt README app (app.start)"),
        ):
            if name not in f["by_app"]:
                continue
            app = f["by_app"][name]
            out.append(
                (
                    label,
                    _ms(app["first_ms"]),
                    "",
                    f"steady p50 {_ms(app['steady_p50_ms'])}",
                    _ratio(app["ratio"]),
                    "first ≤ 1.20× steady" if name == "bot" else "(info)",
                    _met(f["met"]) if name == "bot" else "",
                )
            )
            if app.get("firsts_new_connection_ms"):
                out.append(
                    (
                        "    (first on a new connection)",
                        _ms(app["first_new_connection_ms"]),
                        "",
                        f"steady p50 {_ms(app['steady_p50_ms'])}",
                        _ratio(app["ratio_new_connection"]),
                        "(info)",
                        "",
                    )
                )
    if "submit" in figures:
        f = figures["submit"]
        for key, label in (
            ("prefetched_announcement", "2 submit → announcement"),
            ("prefetched_reply", "2 submit → thread reply"),
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
                    _ms(item["p50_ms"]),
                    _ms(item["p99_ms"]),
                    f"bound {_ms(bound)}" if bound else "",
                    _ratio(f["p99_ratio"].get(key)) if bound else "",
                    f"p99 ≤ {target:.2f}× bound" if target else ("(info)" if bound else ""),
                    _met(f["met"].get(key)) if target else "",
                )
            )
    if "surge" in figures:
        f = figures["surge"]
        m = f["median"]
        out.append(
            (
                f"3 surge ack ({f['plan']['submissions']} in {f['plan']['window']:g} s)",
                _ms(m["ack_p50_ms"]),
                _ms(m["ack_p99_ms"]),
                f"max {_ms(f['worst']['ack_max_ms'])}",
                "",
                "every ack ≤ 3 s",
                _met(f["met"]["acks"]),
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
                _met(f["met"]["ledger"]),
            )
        )
        out.append(
            (
                f"  time to drain ({f['plan']['limit']} creates / {f['plan']['period']} s)",
                _ms(m["drain_s"] * 1000),
                "",
                f"floor {_ms(f['drain_floor_s'] * 1000)}",
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
                f"3b surge over {r['replicas']} replicas, ack ({r['plan']['submissions']})",
                _ms(r["ack"]["p50_ms"]),
                _ms(r["ack"]["p99_ms"]),
                f"max {_ms(r['ack']['max_ms'])}",
                "",
                "p99 < 3 s",
                _met(f["met"]["acks"]),
            ),
            (
                "  incidents / dup / lost",
                "",
                "",
                f"{r['incidents']} / "
                f"{r['duplicate_incidents'] + r['records_sharing_an_incident']} / {r['lost']}",
                "",
                f"{r['plan']['submissions']} / 0 / 0",
                _met(f["met"]["ledger"]),
            ),
            (
                "  time to drain",
                _ms(r["drain_s"] * 1000),
                "",
                f"floor {_ms(r['drain_floor_s'] * 1000)}",
                _ratio(f["drain_ratio"]),
                "≤ 1.10× floor",
                _met(f["met"]["drain"]),
            ),
            ("  429s received", str(r["rate_limited_429s"]), "", "", "", "(info)", ""),
        ]
    if "footprint" in figures:
        f = figures["footprint"]["median"]
        out.append(("4 cold start → /healthz", _ms(f["ready_s"] * 1000), "", "", "", "(info)", ""))
        out.append(("  idle RSS", f"{f['idle_rss_mib']:.1f} MiB", "", "", "", "(info)", ""))
    if "channel" in figures:
        f = figures["channel"]
        item = f["median"]["pointer"]
        out.append(
            (
                "5 submit → pointer (incident channel)",
                _ms(item["p50_ms"]),
                _ms(item["p99_ms"]),
                f"bound {_ms(f['bound_ms'])}",
                _ratio(f["p99_ratio"]),
                "p99 ≤ 1.15× bound",
                _met(f["met"]),
            )
        )
    if "alert" in figures:
        from bench.alerts import alert_rows  # the figure formats its own rows

        out += alert_rows(figures["alert"])
    if "lifecycle" in figures:
        out += _lifecycle_rows(figures["lifecycle"])
    if "placeholder" in figures:
        from bench.placeholder import placeholder_rows  # the figure formats its own rows

        out += placeholder_rows(figures["placeholder"])
    if "slow_datadog" in figures:
        from bench.slow_datadog import slow_rows

        out += slow_rows(figures["slow_datadog"])
    return out


def _lifecycle_rows(f: dict[str, Any]) -> list[Row]:
    m, sync = f["median"], f["sync_calls"]
    return [
        (
            "5 Update → views.open",
            _ms(m["update_open"]["p50_ms"]),
            _ms(m["update_open"]["p99_ms"]),
            f"/declare p99 {_ms(m['declare_open']['p99_ms'])}",
            _ratio(f["open_p99_ratio"]),
            f"p99 ≤ {f['targets']['open']:.2f}× /declare",
            _met(f["met"]["open"]),
        ),
        (
            "5 update submit → card updated",
            _ms(m["submit_to_card"]["p50_ms"]),
            _ms(m["submit_to_card"]["p99_ms"]),
            f"bound {_ms(f['card_bound_ms'])}",
            _ratio(f["card_p99_ratio"]),
            f"p99 ≤ {f['targets']['card']:.2f}× PATCH+chat.update",
            _met(f["met"]["card"]),
        ),
        (
            "  … over GET + PATCH + chat.update",
            "",
            "",
            f"bound {_ms(f['card_bound_ms'] * 1.5)}",
            _ratio(f["card_p99_ratio_with_get"]),
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
            _met(sync["met"]),
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
    return "\n".join(line.rstrip() for line in lines)


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, sort_keys=False, default=str) + "\n")
