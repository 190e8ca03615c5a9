"""Every figure `bench.run` measures, named by its concept and given one stable number.

The one list the table's row labels, `--only` and docs/benchmarks.md follow. A number is a
name, not an order: figures are listed in the order `bench.run` runs them, and a new
figure takes the next free number.
"""

from __future__ import annotations

from typing import NamedTuple


class Figure(NamedTuple):
    number: str
    """What the table's rows and docs/benchmarks.md call it: "5", or "1b" for a companion."""
    concept: str
    """What it measures, in a few words."""
    option: str
    """Its name in `--only`."""
    key: str
    """Its key under "figures" in the JSON document."""


FIGURES = (
    Figure("1", "open the modal", "open", "open_modal"),
    Figure("1b", "first /declare after a start", "first", "first_after_start"),
    Figure("2", "submit to announcement and reply", "submit", "submit"),
    Figure("3", "surge", "surge", "surge"),
    Figure("3b", "surge over replicas", "replicas", "replica_surge"),
    Figure("4", "footprint", "footprint", "footprint"),
    Figure("9", "incident channel", "channel", "channel"),
    Figure("5", "monitor alert", "alert", "alert"),
    Figure("8", "lifecycle", "lifecycle", "lifecycle"),
    Figure("6", "placeholder", "placeholder", "placeholder"),
    Figure("7", "slow Datadog", "slow", "slow_datadog"),
    Figure("10", "add responder", "responders", "responders"),
    Figure("11", "reminders per minute", "reminders", "reminders"),
)
OPTIONS = tuple(figure.option for figure in FIGURES)
_BY_KEY = {figure.key: figure for figure in FIGURES}


def label(key: str, text: str) -> str:
    """A figure's first row in the table: `label("alert", "…")` → "5 …"."""
    return f"{_BY_KEY[key].number} {text}"


def _order(figure: Figure) -> tuple[int, str]:
    """ "3b" after "3", "10" after "9"."""
    return int(figure.number.rstrip("abcdefghijklmnopqrstuvwxyz")), figure.number


def legend(keys: set[str]) -> str:
    """The figures a result holds, by number and concept, in number order."""
    present = sorted((f for f in FIGURES if f.key in keys), key=_order)
    return "figures: " + "; ".join(f"{f.number} {f.concept} (--only {f.option})" for f in present)
