"""The sandbox walks a publish on the status page with a status update, and resolves the
notice with the incident."""

from __future__ import annotations

import io

from bot.sandbox import run_sandbox


def test_the_sandbox_publishes_a_notice_and_resolves_it_with_the_incident() -> None:
    out = io.StringIO()
    assert run_sandbox(out) == 0, out.getvalue()
    text = out.getvalue()
    steps = [
        "9a. @bob presses Post update again",
        "9b. @bob writes the update, ticks “Publish a public notice”",
        '"status": "major_outage"',
        ":loudspeaker: Status page: Checkout API 5xx in eu-west-1",
        ":loudspeaker: @bob published a notice on the status page",
        "Investigating · Login: Major outage",
        "10. @bob presses Resolve",
        '"status": "resolved"',
        "Resolved · Login: Operational",
        "✓ Updated and resolved from Slack",
    ]
    positions = [text.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p == -1]
    assert positions[:2] == sorted(positions[:2]) and positions[6:] == sorted(positions[6:])
    assert positions[1] < min(positions[2:6]) and max(positions[2:6]) < positions[6]
    assert "GET /api/v2/statuspages/" in text, "the page read, in the background"
    assert text.count("POST /api/v2/statuspages/") == 1
    assert text.count("PATCH /api/v2/statuspages/") == 1
