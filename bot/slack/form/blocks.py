"""The "Declare an incident" modal and the views that replace it after submit.

Pure builders: data in, view dicts out. Every dict round-trips through
`slack_sdk.models.views.View` unchanged (a test checks).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.domain.declaration import SEVERITIES, TITLE_MAX, Origin
from bot.slack.form import ids
from bot.slack.mrkdwn import cut, safe

METADATA_MAX = 3000
PLACEHOLDER_MAX = 150
INPUT_MAX = 3000


class ModalPrefill(BaseModel):
    """Initial values of the form."""

    model_config = ConfigDict(frozen=True)

    title: str = ""
    summary: str = ""
    severity: str = "UNKNOWN"
    commander_id: str = ""
    default_handles: tuple[str, ...] = ()
    severities: tuple[str, ...] = SEVERITIES
    severity_labels: dict[str, str] = {}


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit)}


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value}


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> dict[str, Any]:
    """An input block whose element's action_id is the block_id (one element per block)."""
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": {**element, "action_id": block_id},
    }
    if dispatch:
        block["dispatch_action"] = True
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def text_input(
    *, initial: str = "", multiline: bool = False, placeholder: str = "", max_length: int = 0
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input"}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = cut(initial, max_length or INPUT_MAX)
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_MAX)
    if max_length:
        element["max_length"] = max_length
    return element


def checkbox(label: str, *, checked: bool = False) -> dict[str, Any]:
    choice = option("yes", label)
    element: dict[str, Any] = {"type": "checkboxes", "options": [choice]}
    if checked:
        element["initial_options"] = [choice]
    return element


def severity_select(prefill: ModalPrefill) -> dict[str, Any]:
    options = [option(s, prefill.severity_labels.get(s, s)) for s in prefill.severities]
    element: dict[str, Any] = {"type": "static_select", "options": options}
    initial = next((o for o in options if o["value"] == prefill.severity), None)
    if initial is not None:
        element["initial_option"] = initial
    return element


def encode_origin(origin: Origin) -> str:
    """private_metadata: the channel context, within Slack's 3000 characters."""
    data = origin.model_dump_json(exclude_defaults=True)
    if len(data) > METADATA_MAX:
        data = origin.model_copy(update={"source_permalink": None}).model_dump_json(
            exclude_defaults=True
        )
    return data


def decode_origin(metadata: str) -> Origin:
    return Origin.model_validate_json(metadata)


def declare_modal(
    prefill: ModalPrefill,
    origin: Origin,
    *,
    org_blocks: list[dict[str, Any]] | None = None,
    notices: list[str] | None = None,
    metadata: str | None = None,
) -> dict[str, Any]:
    """The form. `org_blocks` (incident type, custom fields) go after the severity.

    `metadata` replaces the encoded origin as private_metadata (see bot/slack/form/metadata.py).
    """
    commander: dict[str, Any] = {"type": "users_select"}
    if prefill.commander_id:
        commander["initial_user"] = prefill.commander_id
    handles_hint = "Datadog handles, e.g. @pagerduty-payments @oncall-db."
    if prefill.default_handles:
        handles_hint += " Always notified: " + ", ".join(prefill.default_handles)
    blocks: list[dict[str, Any]] = [
        input_block(
            ids.TITLE,
            "Title",
            text_input(
                initial=prefill.title,
                placeholder="Checkout API 5xx in eu-west-1",
                max_length=TITLE_MAX,
            ),
        ),
        input_block(ids.SEVERITY, "Severity", severity_select(prefill)),
        *(org_blocks or []),
        input_block(ids.COMMANDER, "Incident commander", commander),
        input_block(
            ids.IMPACT, "Customer impact", checkbox("Customers are affected"), optional=True
        ),
        input_block(
            ids.IMPACT_SCOPE,
            "Impact scope",
            text_input(multiline=True, placeholder="Who is affected, and how?", max_length=2000),
            optional=True,
            hint="Required when customers are affected.",
        ),
        input_block(
            ids.SUMMARY,
            "What's happening",
            text_input(initial=prefill.summary, multiline=True, max_length=INPUT_MAX),
            optional=True,
            hint="Becomes the first entry of the incident timeline.",
        ),
        input_block(
            ids.SUMMARY_IMPORTANT,
            "Timeline",
            checkbox("Mark “What's happening” as important"),
            optional=True,
        ),
        input_block(
            ids.NOTIFY_PEOPLE, "Notify people", {"type": "multi_users_select"}, optional=True
        ),
        input_block(
            ids.NOTIFY_CHANNELS,
            "Notify channels",
            {"type": "multi_conversations_select", "filter": {"include": ["public", "private"]}},
            optional=True,
        ),
        input_block(
            ids.NOTIFY_HANDLES,
            "Notify Datadog handles",
            text_input(placeholder="@pagerduty-payments @oncall-db", max_length=1000),
            optional=True,
            hint=handles_hint,
        ),
        input_block(ids.IS_TEST, "Test", checkbox("This is a test incident"), optional=True),
    ]
    for notice in notices or []:
        blocks.insert(0, {"type": "context", "elements": [plain(notice, 2000)]})
    return {
        "type": "modal",
        "callback_id": ids.MODAL_CALLBACK,
        "title": plain("Declare an incident", 24),
        "submit": plain("Declare", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode_origin(origin) if metadata is None else metadata,
        "blocks": blocks,
    }


def status_view(title: str, text: str, *, url: str | None = None) -> dict[str, Any]:
    """A read-only view: "Declaring…", the result, or what went wrong."""
    section: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if url:
        section["accessory"] = {
            "type": "button",
            "text": plain("Open in Datadog", 75),
            "url": url,
            "action_id": ids.OPEN_INCIDENT_ACTION,
        }
    return {
        "type": "modal",
        "callback_id": ids.MODAL_CALLBACK + "_status",
        "title": plain(title, 24),
        "close": plain("Close", 24),
        "blocks": [section],
    }


def declaring_view(title: str) -> dict[str, Any]:
    return status_view("Declaring…", f":hourglass_flowing_sand: Declaring *{safe(title, 2800)}*…")
