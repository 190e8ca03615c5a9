"""The sandbox walks one update and one resolve after the declaration, through the card."""

from __future__ import annotations

import io

from bot.sandbox import run_sandbox


def test_the_sandbox_updates_and_resolves_from_the_card() -> None:
    out = io.StringIO()
    assert run_sandbox(out) == 0, out.getvalue()
    text = out.getvalue()
    steps = [
        "8. @bob presses Update on the card",
        "bot → Slack  chat.update: the card in #incidents, edited in place",
        "@bob changed severity SEV-2 → SEV-1",
        "10. @bob presses Resolve",
        '"value": "resolved"',
        "▌ ✅ IR-1: Checkout API 5xx in eu-west-1",
        "[Reopen]",
        "✓ Updated and resolved from Slack",
    ]
    start = text.find(steps[0])  # the staffing walk before it edits the card too
    positions = [text.find(step, start) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p == -1]
    # The card edit goes out beside the PATCH: the PATCH body and the card (its header, then
    # Reopen) may be listed in either order, both after Resolve and before the end.
    patch, header, reopen = positions[4:7]
    assert positions[3] < min(patch, header) and max(patch, reopen) < positions[7]
    del positions[4]
    assert positions == sorted(positions)
    assert text.count("PATCH /api/v2/incidents/") == 3  # Take command's, then the two above


def test_the_sandbox_staffs_the_card_before_the_update() -> None:
    """@alice adds @bob as a responder with the org's role, then @bob takes command."""
    out = io.StringIO()
    assert run_sandbox(out) == 0, out.getvalue()
    text = out.getvalue()
    steps = [
        "S1. @alice presses Add responder",
        "bot → Datadog GET /api/v2/incidents/config/user-defined-roles",
        "S2. @alice picks @bob",
        "POST /api/v2/incidents/",
        "• @bob: Communications lead",
        "@alice added @bob as a responder (Communications lead).",
        "S3. @bob presses Take command",
        "@bob changed the commander alice@example.com → Bob Oncall",
        "✓ Staffed from Slack",
        "8. @bob presses Update on the card",
    ]
    at = 0
    for step in steps:  # each after the one before
        found = text.find(step, at)
        assert found != -1, (step, text[at:])
        at = found
