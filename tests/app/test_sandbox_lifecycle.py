"""The sandbox walks one update and one resolve after the declaration, through the card."""

from __future__ import annotations

import io
import re

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
    positions = [text.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p == -1]
    # The card edit goes out beside the PATCH: the PATCH body and the card (its header, then
    # Reopen) may be listed in either order, both after Resolve and before the end.
    patch, header, reopen = positions[4:7]
    assert positions[3] < min(patch, header) and max(patch, reopen) < positions[7]
    del positions[4]
    assert positions == sorted(positions)
    assert len(re.findall(r"PATCH /api/v2/incidents/[0-9a-f-]+\n", text)) == 2
