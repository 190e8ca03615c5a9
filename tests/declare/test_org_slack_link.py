"""Linking Slack to the incident: the announcement's channel and thread are registered with
Datadog's incident integrations API (integration_type 1); a failure never fails the declaration."""

from __future__ import annotations

import json

from datadog_api_client.v2.model.incident_integration_metadata_create_request import (
    IncidentIntegrationMetadataCreateRequest,
)

from bot.emulators.datadog.validate import model_error
from bot.emulators.personas import INCIDENTS, TEAM
from bot.emulators.stack import LocalStack

INTEGRATIONS = "POST /api/v2/incidents/{incident_id}/relationships/integrations"


def test_the_thread_is_registered_with_the_incident(stack: LocalStack) -> None:
    stack.declare(title="Checkout down")
    stack.wait_done()
    record = stack.services.store.all()[0]
    assert record.step.value == "done" and record.incident_id
    (sent,) = [
        r.json()
        for r in stack.datadog.calls(method="POST")
        if r.path.endswith("/relationships/integrations")
    ]
    assert model_error(sent, IncidentIntegrationMetadataCreateRequest) is None
    assert sent == {
        "data": {
            "type": "incident_integrations",
            "attributes": {
                "integration_type": 1,
                "metadata": {
                    "channels": [
                        {
                            "channel_id": INCIDENTS,
                            "channel_name": "#incidents",
                            "redirect_url": record.announce_permalink,
                            "team_id": TEAM,
                        }
                    ]
                },
            },
        }
    }
    assert record.announce_permalink and record.announce_ts
    assert record.announce_permalink.endswith(record.announce_ts.replace(".", ""))
    (stored,) = stack.datadog.integrations[record.incident_id]
    assert stored["attributes"]["integration_type"] == 1


def test_a_link_failure_is_told_in_the_thread_and_the_declaration_stands(
    stack: LocalStack,
) -> None:
    stack.datadog.inject(INTEGRATIONS, status=500)
    stack.declare(title="Checkout down")
    stack.wait_done()
    record = stack.services.store.all()[0]
    assert record.step.value == "done" and record.incident_url
    assert stack.datadog.integrations[record.incident_id or ""] == []
    announcement, reply = stack.slack.messages(INCIDENTS)
    assert "IR-1" in json.dumps(announcement["blocks"])
    replied = json.dumps(reply["blocks"])
    assert "Linking this thread failed" in replied and "Datadog said 500" in replied
    done = stack.slack.calls_of("views.update")[-1]["view"]
    assert done["title"]["text"] == "Declared"


def test_an_unreadable_link_answer_is_tolerated_too(stack: LocalStack) -> None:
    stack.datadog.inject(INTEGRATIONS, status=201, body="<html>oops</html>")
    stack.declare(title="Checkout down")
    stack.wait_done()
    record = stack.services.store.all()[0]
    assert record.step.value == "done"
    assert any("Linking this thread failed" in note for note in record.notes)


def test_without_a_permalink_the_channel_redirect_is_registered(stack: LocalStack) -> None:
    stack.slack.inject("chat.getPermalink", "internal_error")
    stack.declare(title="Checkout down")
    stack.wait_done()
    record = stack.services.store.all()[0]
    assert record.announce_permalink is None
    (stored,) = stack.datadog.integrations[record.incident_id or ""]
    (channel,) = stored["attributes"]["metadata"]["channels"]
    assert channel["redirect_url"] == (
        f"https://slack.com/app_redirect?channel={INCIDENTS}&team={TEAM}"
    )
