"""The sandbox drafts the postmortem from the resolved card's Postmortem button."""

from __future__ import annotations

import io

from bot.sandbox import run_sandbox


def test_the_sandbox_drafts_the_postmortem_from_the_card() -> None:
    out = io.StringIO()
    assert run_sandbox(out) == 0, out.getvalue()
    text = out.getvalue()
    steps = [
        "10. @bob presses Resolve",
        "14. Back to IR-1: @bob presses Postmortem on its resolved card",
        "bot → Datadog GET /api/v2/incidents/",
        "bot → Datadog POST /api/v2/incidents/",
        '"title": "Postmortem: IR-1 Checkout API 5xx in eu-west-1"',
        "## Timeline",
        "Resolved by Bob Oncall: Rolled back the 14:00 deploy",
        "[Postmortem] → https://app.datadoghq.com/notebook/",
        ":memo: Postmortem drafted in Datadog for IR-1, asked for by @bob",
        "✓ Postmortem drafted in Datadog once",
    ]
    at = 0
    for step in steps:  # each after the one before
        found = text.find(step, at)
        assert found != -1, f"{step!r} not after {text[at - 80 : at]!r}"
        at = found + len(step)
    assert text.count("/attachments/postmortems") == 1
    assert "**Slug:**" not in text
