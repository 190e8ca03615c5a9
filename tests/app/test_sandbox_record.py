"""The sandbox walks the record on IR-2: a message added, a to-do added and checked off."""

from __future__ import annotations

import io

from bot.sandbox import run_sandbox


def test_the_sandbox_captures_a_message_and_adds_and_completes_a_to_do() -> None:
    out = io.StringIO()
    assert run_sandbox(out) == 0, out.getvalue()
    text = out.getvalue()
    steps = [
        "11. @bob replies in IR-2's thread; @alice uses “Add to incident”",
        "bot → Slack  chat.getPermalink",
        '"attachment_type": "link"',
        "📌 added to *IR-2* by @alice",
        "> Found it: the 14:00 deploy set <!channel> pool size to 5. Rolling back.",
        "12. @alice presses Add to-do on IR-2's card",
        "POST /api/v2/incidents/",
        '"@bob.oncall@example.com"',
        "☐ Add an alert on the checkout connection pool",
        "13. @bob checks the to-do off in the list:",
        '"completed": "',
        "chat.update: the to-do list in #incidents, edited in place",
        "☑ Add an alert on the checkout connection pool",
        "✓ IR-2's record: the message linked in Datadog, the to-do added and done.",
    ]
    at = text.find("Keeping the record")
    for step in steps:  # each in turn, after the one before
        found = text.find(step, at)
        assert found != -1, (step, text[at:])
        at = found
