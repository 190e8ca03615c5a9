"""Oracles we did not write: datadog-api-client models and slack_sdk's Block Kit models."""

from __future__ import annotations

from typing import Any

from datadog_api_client.v2.model.incident_create_request import IncidentCreateRequest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.emulators.datadog.validate import model_error


def assert_datadog_create_body(body: dict[str, Any]) -> None:
    """The body deserializes with the official client model, with no unparsed oneOf node."""
    error = model_error(body, IncidentCreateRequest)
    assert error is None, error


def assert_view_round_trips(view: dict[str, Any]) -> None:
    parsed = View(**view)
    parsed.validate_json()
    assert parsed.to_dict() == view


def assert_blocks_round_trip(blocks: list[dict[str, Any]]) -> None:
    parsed = Block.parse_all(blocks)
    for block in parsed:
        block.validate_json()
    assert [b.to_dict() for b in parsed] == blocks
