"""The sandbox pages a Datadog team from the alert incident's card, once."""

from __future__ import annotations

import io

from bot.sandbox import run_sandbox


def test_the_sandbox_pages_a_team_from_the_card() -> None:
    out = io.StringIO()
    assert run_sandbox(out) == 0, out.getvalue()
    text = out.getvalue()
    steps = [
        "14. @bob presses Page on IR-2's card",
        "GET /api/v2/team?",
        "Payments on-call (payments-oncall)",
        "16. @bob picks it",
        '"type": "team_handle"',
        ":pager: Paged *Payments on-call* (`payments-oncall`), by @bob (page id",
        "✓ Paged the payments on-call team from Slack, once",
    ]
    positions = [text.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert text.count("/page\n") == 1, "one page"
