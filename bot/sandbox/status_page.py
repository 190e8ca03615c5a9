"""The sandbox's publish: a public notice on the status page from the card, then resolved.

The sandbox's Datadog has a status page ("Acme status": Application / Login, Settings; API /
Search) and DECLARE_STATUS_PAGE names it. @bob presses Status page on the card, marks Login
as a major outage and publishes; the transcript shows the page read, the degradation POSTed,
the card linking the notice and the note in the thread. Resolving the incident (step 10)
then resolves the notice too.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.sandbox.transcript import Transcript

if TYPE_CHECKING:
    from bot.emulators.stack import LocalStack

PAGE_NAME = "Acme status"
PAGE_GROUPS = {"Application": ["Login", "Settings"], "API": ["Search"]}
MESSAGE = "Some customers can't check out. We are rolling back a change."
NOTES = 2
"""Thread notes this walk adds by the end of the sandbox: the publish, and the resolve's."""


def add_status_page(stack: LocalStack) -> None:
    """The page the sandbox publishes on, named by DECLARE_STATUS_PAGE (before `start`)."""
    stack.env["DECLARE_STATUS_PAGE"] = stack.datadog.add_status_page(PAGE_NAME, PAGE_GROUPS)


def walk_publish(transcript: Transcript) -> bool:
    """Publish from the card; True when the notice is on the page and in the thread."""
    from bot.emulators.card_driver import initial_values, press_card
    from bot.emulators.personas import BOB, INCIDENTS
    from bot.emulators.slack.inbound import option_value, options_value, text_value
    from bot.slack.cadence.status_page_section import COMPONENTS, IMPACT
    from bot.slack.cadence.status_page_section import MESSAGE as BLOCK
    from bot.slack.common.ids import PUBLISH_ACTION

    stack, say = transcript.stack, transcript.say
    page_id = stack.env["DECLARE_STATUS_PAGE"]
    say("\n9a. @bob presses Status page on the card (DECLARE_STATUS_PAGE is set). The modal")
    say("    opens at once with the page's components (read from Datadog when the Post update")
    say("    modal opened, a minute at most ago; else read now and shown with views.update):")
    opened = len(stack.slack.calls("/api/views.open"))
    updates = len(stack.slack.calls("/api/views.update"))
    press_card(stack, PUBLISH_ACTION, user=BOB)
    view = stack.opened_view(count=opened + 1)
    if not view.get("submit"):  # the page not read lately: read, then shown (views.update)
        stack.slack.wait_for("/api/views.update", updates + 1, 5.0)
        view = stack.current_view(view["id"])
    transcript.calls("    ")
    say("\n9b. @bob marks Login as a major outage, writes the public message, presses Publish:")
    values = initial_values(view)
    values[COMPONENTS] = {COMPONENTS: options_value([stack.datadog.component_id(page_id, "Login")])}
    values[IMPACT] = {IMPACT: option_value("major_outage")}
    values[BLOCK] = {BLOCK: text_value(MESSAGE)}
    response = stack.submit(view, values, user=BOB)
    say(f"    Slack → bot  view_submission; bot → Slack HTTP {response.status_code}")
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        if any("a notice on" in str(m.get("blocks")) for m in stack.slack.messages(INCIDENTS)):
            break
        time.sleep(0.02)
    else:
        say("✗ The notice did not reach the thread.")
        return False
    time.sleep(0.1)
    say("    Then (stored before the ack, sent once; the card links the notice):")
    transcript.calls("    ")
    return True
