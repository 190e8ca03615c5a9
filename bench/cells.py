"""How a figure's numbers are written in the table: one row type and three cell formatters.

Shared by bench/report.py, which lays the table out, and the figures that format their own
rows (bench/alerts.py, bench/placeholder.py, bench/slow_datadog.py); it imports neither.
"""

from __future__ import annotations

import math

Row = tuple[str, str, str, str, str, str, str]
"""figure, p50, p99, compared with, ratio, target, met."""


def ms(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def ratio(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}×"


def met(value: bool | None) -> str:
    return "-" if value is None else ("met" if value else "MISSED")
