"""Reliability figures the fault, crash and bad-input tests report (for the release note).

Tests count what they inject and what they observe; `conftest.py` prints the totals at the
end of the run and writes them to `reliability-figures.json` in pytest's base temp dir
(and to $RELIABILITY_FIGURES when set).
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

_lock = threading.Lock()
faults: Counter[str] = Counter()
"""Faults injected, by kind (e.g. `datadog 503 on create`, `slack not_in_channel`)."""
bad_inputs: Counter[str] = Counter()
"""Malformed or hostile requests sent to the bot, by kind."""
declarations: Counter[str] = Counter()
"""Declarations made under faults; `lost` and `duplicates` must stay 0."""
timings: dict[str, list[float]] = {}
"""Seconds, e.g. how long a resumed declaration took after a restart."""
written: Path | None = None
"""Where the session's figures went (set by conftest)."""


def fault(kind: str, count: int = 1) -> None:
    with _lock:
        faults[kind] += count


def bad_input(kind: str, count: int = 1) -> None:
    with _lock:
        bad_inputs[kind] += count


def declared(*, made: int = 1, lost: int = 0, duplicates: int = 0) -> None:
    """Record the outcome of declarations made while faults were injected."""
    with _lock:
        declarations["made"] += made
        declarations["lost"] += lost
        declarations["duplicates"] += duplicates


def timing(name: str, seconds: float) -> None:
    with _lock:
        timings.setdefault(name, []).append(round(seconds, 3))


def snapshot() -> dict[str, Any]:
    with _lock:
        return {
            "faults_injected": dict(sorted(faults.items())),
            "faults_injected_total": sum(faults.values()),
            "bad_inputs_tried": dict(sorted(bad_inputs.items())),
            "bad_inputs_tried_total": sum(bad_inputs.values()),
            "declarations_under_faults": declarations["made"],
            "incidents_lost": declarations["lost"],
            "duplicates": declarations["duplicates"],
            "timings_seconds": {k: list(v) for k, v in sorted(timings.items())},
        }


def empty() -> bool:
    with _lock:
        return not (faults or bad_inputs or declarations or timings)


def write(directory: Path) -> Path:
    """Write the figures as JSON; returns the path."""
    data = json.dumps(snapshot(), indent=2, ensure_ascii=False)
    path = directory / "reliability-figures.json"
    path.write_text(data)
    extra = os.environ.get("RELIABILITY_FIGURES")
    if extra:
        Path(extra).write_text(data)
    return path


def summary_lines() -> list[str]:
    data = snapshot()
    lines = [f"faults injected: {data['faults_injected_total']}"]
    lines += [f"  {kind}: {n}" for kind, n in data["faults_injected"].items()]
    lines.append(f"bad inputs tried: {data['bad_inputs_tried_total']}")
    lines += [f"  {kind}: {n}" for kind, n in data["bad_inputs_tried"].items()]
    lines.append(f"declarations under faults: {data['declarations_under_faults']}")
    lines.append(f"incidents lost: {data['incidents_lost']}")
    lines.append(f"duplicates: {data['duplicates']}")
    for name, values in data["timings_seconds"].items():
        lines.append(f"{name}: {', '.join(f'{v:.2f}s' for v in values)}")
    return lines
