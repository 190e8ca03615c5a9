"""Percentiles of one run and medians over runs: every figure is a median over runs."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): with few samples p99 is the maximum, not a guess."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(samples: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max of one run's samples, in milliseconds (samples are seconds)."""
    return {
        "p50_ms": percentile(samples, 50) * 1000,
        "p99_ms": percentile(samples, 99) * 1000,
        "max_ms": max(samples) * 1000 if samples else math.nan,
        "n": len(samples),
    }


def median_of(runs: Sequence[dict[str, float]], key: str) -> float:
    values = [run[key] for run in runs if not math.isnan(run[key])]
    return statistics.median(values) if values else math.nan


def over_runs(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    """The median over runs of each key (p50 of p50s, p50 of p99s, ...)."""
    keys = runs[0].keys() if runs else ()
    return {key: median_of(runs, key) for key in keys}
