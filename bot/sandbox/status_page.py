"""The sandbox's publish: a public notice on the status page with a status update, then
resolved with the incident.

The sandbox's Datadog has a status page ("Acme status": Application / Login, Settings; API /
Search) and DECLARE_STATUS_PAGE names it. @bob presses Post update on the card, ticks
"Publish a public notice", marks Login as a major outage and publishes; the transcript
shows the degradation POSTed, the card linking the notice and the notes in the thread.
Resolving the incident (step 10) then resolves the notice too.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.sandbox.transcript import Transcript

if TYPE_CHECKING:
    from bot.emulators.stack import LocalStack

PAGE_NAME = "Acme status"
PAGE_GROUPS = {"Application": ["Login", "Settings"], "API": ["Search"]}
UPDATE = "Checkout errors are back to normal after the rollback; watching."
MESSAGE = "Some customers can't check out. We are rolling back a change."
NOTES = 3
"""Thread notes this walk adds by the end of the sandbox: the status update, the publish,
and the resolve's."""


def add_status_page(stack: LocalStack) -> None:
    """The page the sandbox publishes on, named by DECLARE_STATUS_PAGE (before `start`)."""
    stack.env["DECLARE_STATUS_PAGE"] = stack.datadog.add_status_page(PAGE_NAME, PAGE_GROUPS)


def walk_publish(transcript: Transcript) -> bool:
    """Publish with a status update; True when the notice is on the page and in the thread."""
    from bot.emulators.card_driver import initial_values, press_card
    from bot.emulators.personas import BOB, INCIDENTS
    from bot.emulators.slack.inbound import option_value, options_value, text_value
    from bot.slack.cadence.status_page_section import COMPONENTS, IMPACT, PUBLISH
    from bot.slack.cadence.status_page_section import MESSAGE as BLOCK
    from bot.slack.common.ids import POST_UPDATE_ACTION, STATUS_TEXT

    stack, say = transcript.stack, transcript.say
    page_id = stack.env["DECLARE_STATUS_PAGE"]
    say("\n9a. @bob presses Post update again. Under the update, the modal offers “Publish on")
    say("    the status page” with the page's components (read from Datadog in the background")
    say("    when the modal first opened, so this one opens at once):")
    opened = len(stack.slack.calls("/api/views.open"))
    press_card(stack, POST_UPDATE_ACTION, user=BOB)
    view = stack.opened_view(count=opened + 1)
    transcript.calls("    ")
    say("\n9b. @bob writes the update, ticks “Publish a public notice”, marks Login as a major")
    say("    outage, writes the public message and presses Post update:")
    login = stack.datadog.component_id(page_id, "Login")
    values = initial_values(view)
    values[STATUS_TEXT] = {STATUS_TEXT: text_value(UPDATE)}
    values[PUBLISH] = {PUBLISH: options_value(["yes"], "checkboxes")}
    values[COMPONENTS] = {COMPONENTS: options_value([login])}
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
    time.sleep(0.2)
    say("    Then (each stored before the ack and sent once: the update, and the notice, which")
    say("    the card links):")
    transcript.calls("    ")
    return True
