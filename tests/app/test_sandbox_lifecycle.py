"""The sandbox walks a status update and a reminder, then one update and one resolve after
the declaration, through the card."""

from __future__ import annotations

import io
import re

from bot.sandbox import run_sandbox


def test_the_sandbox_updates_and_resolves_from_the_card() -> None:
    out = io.StringIO()
    assert run_sandbox(out) == 0, out.getvalue()
    whole = out.getvalue()
    cadence = [
        "S1. @bob presses Post update on the card",
        ":mega: *Status update* · IR-1 · SEV-2 · Active",
        ":speech_balloon: Last update",
        "S3. No update for 31 minutes",
        "text: Reminder: status update due on IR-1",
        "[Snooze 30m]",
        "✓ One status update and one reminder, each posted once.",
    ]
    found = [whole.find(step) for step in cadence]
    assert -1 not in found and found == sorted(found), list(zip(cadence, found, strict=True))
    assert whole.count("text: Reminder:") == 1
    text = whole[whole.find("Back to IR-1") :]  # the update and resolve walk, after cadence's
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
    assert len(re.findall(r"PATCH /api/v2/incidents/[0-9a-f-]+\n", text)) == 2


def test_the_sandbox_staffs_the_card_before_the_update() -> None:
    """@alice adds @bob as a responder with the org's role, then @bob takes command."""
    out = io.StringIO()
    assert run_sandbox(out) == 0, out.getvalue()
    text = out.getvalue()
    steps = [
        "R1. @alice presses Add responder",
        "bot → Datadog GET /api/v2/incidents/config/user-defined-roles",
        "R2. @alice picks @bob",
        "• @bob: Communications lead",
        "@alice added @bob as a responder (Communications lead).",
        "R3. @bob presses Take command",
        "@bob changed the commander alice@example.com → Bob Oncall",
        "✓ Staffed from Slack",
        "8. @bob presses Update on the card",
    ]
    at = 0
    for step in steps:  # each after the one before
        found = text.find(step, at)
        assert found != -1, (step, text[at:])
        at = found
    # the card shows him beside the POST, so the two are listed in either order
    post = text.find("/responders", text.find("R2. @alice picks @bob"))
    assert text.find("R2.") < post < text.find("R3.")
