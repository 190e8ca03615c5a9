"""The sandbox's second declaration: from a Datadog monitor alert (the message shortcut).

Datadog posts an attachment-only alert into #incidents; @alice presses "Declare incident"
on it; the form opens from the message at once, the bot reads the monitor and fills the
form (title, severity from the priority, fields from the tags); she declares as filled.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.sandbox.transcript import Transcript

if TYPE_CHECKING:
    pass


ALERT_TITLE = "[P2] Checkout 5xx on checkout"


def walk_alert(transcript: Transcript) -> bool:
    """Declare from a monitor alert; True when it reached the thread reply."""
    from bot.emulators.personas import INCIDENTS
    from bot.emulators.slack.alerts import attachment_alert

    stack, say = transcript.stack, transcript.say
    datadog = stack.datadog
    for name, values in (("services", ("checkout", "search")), ("teams", ("payments", "search"))):
        datadog.add_field(name, "autocomplete", valid_values=[{"value": v} for v in values])
    stack.services.org_config.refresh().result(timeout=5.0)  # as the cache's TTL would
    monitor_id = datadog.add_monitor(
        "[P2] Checkout 5xx on {{service.name}}",
        message="5xx above 2% for 5 minutes.\nRunbook: https://wiki.example/checkout\n"
        "Notify @pagerduty-checkout",
        tags=("service:checkout", "team:payments", "env:prod"),
        priority=2,
    )
    url = f"https://app.datadoghq.com/monitors/{monitor_id}?group=service%3Acheckout"
    content = attachment_alert(ALERT_TITLE, url, "5xx rate is 3.1% on service:checkout")
    message = stack.slack.hold_message(INCIDENTS, content)
    attachment = message["attachments"][0]
    say("\n\nNow a declaration from a Datadog monitor alert.")
    say("\n5. Datadog posts an alert in #incidents (a bot_message, empty text, one attachment):")
    transcript.block(
        [f"{key}: {attachment[key]}" for key in ("title", "title_link", "text")], "      │ "
    )
    say(f"   Datadog's monitor {monitor_id}: priority P2, tags service:checkout, team:payments,")
    say("   env:prod; the org's incident type has the fields services and teams.")

    say("\n6. @alice uses “Declare incident” on it (the message shortcut):")
    transcript.mark = time.monotonic()
    updates = len(stack.slack.calls("/api/views.update"))
    opens = len(stack.slack.calls("/api/views.open"))
    stack.message_shortcut(message)
    view = stack.opened_view(count=opens + 1)
    stack.slack.wait_for("/api/views.update", updates + 1, timeout=5.0)
    stack.datadog.wait_for("/api/v2/users", timeout=5.0)
    transcript.calls("   ")
    say("   (the monitor read starts with the form, so the form opens at once and fills after)")

    say("\n7. @alice presses Declare on the filled form:")
    transcript.mark = time.monotonic()
    filled = stack.current_view(view["id"])
    response = stack.submit(filled, stack.slack.shown_values(view["id"]))
    say(f"   Slack → bot  view_submission; bot → Slack HTTP {response.status_code}")
    stack.wait_done(count=2, timeout=15.0)
    stack.slack.wait_for("/api/views.update", updates + 2, timeout=5.0)
    transcript.calls("   ", declaring=True)
    record = stack.services.store.all()[-1]
    if record.step.value != "done":
        say(f"\n✗ The declaration stopped at {record.failed_at}: {record.error}")
        return False
    say(
        f"\n✓ Declared IR-{record.public_id} from the alert: severity {record.declaration.severity}"
        f" from priority P2, services and teams from the tags, the monitor in the timeline."
    )
    return True
