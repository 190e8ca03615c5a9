"""Opening the app's Home tab as a person does, over HTTP or Socket Mode, for tests and the
sandbox: Slack sends `app_home_opened` (an Events API `event_callback`), the bot answers
with `views.publish`, and the Slack emulator keeps the view it published."""

from __future__ import annotations

import time
from typing import Any

from bot.emulators.personas import TEAM
from bot.emulators.slack.inbound import app_home_opened
from bot.emulators.stack import LocalStack


def send_app_home_opened(stack: LocalStack, user: str) -> None:
    """The event, as Slack delivers it to this stack (signed HTTP, or an envelope)."""
    body = app_home_opened(
        user, team_id=TEAM, view=stack.slack.home_view(user), channel=stack.slack.dm_channel(user)
    )
    if stack.socket is not None:
        envelope = stack.socket.send_envelope("events_api", body, accepts_response_payload=False)
        stack.socket.wait_ack(envelope)
        return
    response = stack.caller.event(body)
    assert response.status_code == 200, response.text


def open_home(stack: LocalStack, user: str, timeout: float = 5.0) -> dict[str, Any]:
    """Open the Home tab; the view the bot published for it (a fresh one each time)."""
    published = len(stack.slack.calls("/api/views.publish"))
    send_app_home_opened(stack, user)
    stack.slack.wait_for("/api/views.publish", published + 1, timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = stack.slack.home_view(user)
        if view is not None:
            return view
        time.sleep(0.01)
    raise AssertionError(f"views.publish was called but {user} has no Home tab")
