"""Example bodies from create-incident.md, shared by the model, client and emulator tests."""

from __future__ import annotations

from typing import Any

# The full curl example of create-incident.md, as published.
SEED_CREATE_BODY: dict[str, Any] = {
    "data": {
        "attributes": {
            "customer_impact_scope": "Example customer impact scope",
            "customer_impacted": False,
            "fields": {"severity": {"type": "dropdown", "value": "SEV-5"}},
            "incident_type_uuid": "00000000-0000-0000-0000-000000000000",
            "initial_cells": [
                {
                    "cell_type": "markdown",
                    "content": {"content": "An example timeline cell message."},
                    "important": False,
                }
            ],
            "is_test": False,
            "notification_handles": [
                {"display_name": "Jane Doe", "handle": "@user@email.com"},
                {"display_name": "Slack Channel", "handle": "@slack-channel"},
                {"display_name": "Incident Workflow", "handle": "@workflow-from-incident"},
            ],
            "title": "A test incident title",
        },
        "relationships": {
            "commander_user": {
                "data": {"id": "00000000-0000-0000-0000-000000000000", "type": "users"}
            }
        },
        "type": "incidents",
    }
}

# The 201 example of create-incident.md (abridged to its typed keys plus placeholders).
SEED_201_BODY: dict[str, Any] = {
    "data": {
        "attributes": {
            "archived": "2019-09-19T10:00:00.000Z",
            "case_id": "integer",
            "created": "2019-09-19T10:00:00.000Z",
            "customer_impact_scope": "An example customer impact scope",
            "customer_impacted": False,
            "declared_by": {"image_48_px": "string", "name": "string"},
            "fields": {"<any-key>": "undefined"},
            "incident_type_uuid": "00000000-0000-0000-0000-000000000000",
            "is_test": False,
            "notification_handles": [{"display_name": "Jane Doe", "handle": "@test.user@test.com"}],
            "public_id": 1,
            "severity": "UNKNOWN",
            "state": "string",
            "time_to_detect": "integer",
            "title": "A test incident title",
        },
        "id": "00000000-0000-0000-1234-000000000000",
        "relationships": {
            "commander_user": {
                "data": {"id": "00000000-0000-0000-0000-000000000000", "type": "users"}
            }
        },
        "type": "incidents",
    },
    "included": [{"attributes": {"email": "string"}, "id": "string", "type": "users"}],
}
