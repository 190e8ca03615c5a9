"""Block Kit pieces of the declare form, its built-in fields, and the views that replace it.

Pure builders: data in, view dicts out. Every dict round-trips through
`slack_sdk.models.views.View` unchanged (a test checks).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from bot.domain.incident.declaration import SCOPE_MAX, TITLE_MAX
from bot.slack.common import ids
from bot.slack.common.mrkdwn import (
    BUTTON_MAX,
    LABEL_MAX,
    OPTION_MAX,
    SECTION_MAX,
    VIEW_TITLE_MAX,
    cut,
    safe,
    verbatim,
)
from bot.slack.declare.form.prefill import FormPrefill

PLACEHOLDER_MAX = 150
INPUT_MAX = 3000
HANDLES_MAX = 1000
"""Room for a dozen Datadog handles."""


def plain(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit)}


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, OPTION_MAX), "value": value}


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
        "label": plain(label, LABEL_MAX),
        "element": {**element, "action_id": block_id},
    }
    if dispatch:
        block["dispatch_action"] = True
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain(hint, LABEL_MAX)
    return block


def context_block(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [plain(text, LABEL_MAX)]}


CONTEXT_LINKS_TEXT_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
"""Slack's limit on a context block's elements."""


def context_links_block(links: tuple[str, ...]) -> dict[str, Any]:
    """The Datadog links that will go into the timeline, shown escaped and not linked, so the
    person sees what a message contributed; packed into a context block's 10 elements."""
    elements: list[dict[str, Any]] = [verbatim("*Added to the timeline as context:*")]
    lines: list[str] = []
    for link in links:
        line = "• " + safe(link, CONTEXT_LINKS_TEXT_MAX - 2)
        if lines and len("\n".join([*lines, line])) > CONTEXT_LINKS_TEXT_MAX:
            elements.append(verbatim("\n".join(lines)))
            lines = []
        lines.append(line)
    if lines:
        elements.append(verbatim("\n".join(lines)))
    return {
        "type": "context",
        "block_id": ids.CONTEXT_LINKS,
        "elements": elements[:CONTEXT_ELEMENTS_MAX],
    }


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


def severity_select(prefill: FormPrefill) -> dict[str, Any]:
    options = [option(s, prefill.severity_labels.get(s, s)) for s in prefill.severities]
    element: dict[str, Any] = {"type": "static_select", "options": options}
    initial = next((o for o in options if o["value"] == prefill.severity), None)
    if initial is not None:
        element["initial_option"] = initial
    return element


def title_block(title: str) -> dict[str, Any]:
    return input_block(
        ids.TITLE,
        "Title",
        text_input(
            initial=title, placeholder="Checkout API 5xx in eu-west-1", max_length=TITLE_MAX
        ),
    )


def commander_block(commander_id: str) -> dict[str, Any]:
    commander: dict[str, Any] = {"type": "users_select"}
    if commander_id:
        commander["initial_user"] = commander_id
    return input_block(ids.COMMANDER, "Incident commander", commander)


def summary_block(summary: str) -> dict[str, Any]:
    return input_block(
        ids.SUMMARY,
        "What's happening",
        text_input(initial=summary, multiline=True, max_length=INPUT_MAX),
        optional=True,
        hint="Becomes the first entry of the incident timeline.",
    )


def team_block(*, optional: bool, label: str = "Page a team") -> dict[str, Any]:
    """Who to page: a Datadog team, listed from Datadog's teams (bot/slack/responders/)."""
    select = {
        "type": "external_select",
        "min_query_length": 0,
        "placeholder": plain("A Datadog team", PLACEHOLDER_MAX),
    }
    hint = "Datadog On-Call pages the team's on-call person."
    return input_block(ids.PAGE_TEAM_BLOCK, label, select, optional=optional, hint=hint)


def person_block(*, optional: bool, label: str = "…or page a person") -> dict[str, Any]:
    """…or a person, found in Datadog by their Slack email as the commander is."""
    return input_block(ids.PAGE_PERSON_BLOCK, label, {"type": "users_select"}, optional=optional)


PERSONAL_KEPT = 256
"""Drawn personal blocks kept per kind: most forms start with an empty title and summary,
and the same people declare again. Shared like the skeleton's blocks: sent, never changed."""
_title_block = lru_cache(maxsize=PERSONAL_KEPT)(title_block)
_commander_block = lru_cache(maxsize=PERSONAL_KEPT)(commander_block)
_summary_block = lru_cache(maxsize=PERSONAL_KEPT)(summary_block)

PERSONAL_BLOCKS: dict[str, Callable[[FormPrefill], dict[str, Any]]] = {
    ids.TITLE: lambda prefill: _title_block(prefill.title),
    ids.COMMANDER: lambda prefill: _commander_block(prefill.commander_id),
    ids.SUMMARY: lambda prefill: _summary_block(prefill.summary),
}
"""The built-in blocks drawn from what differs between two people's forms (view.py)."""


def built_in_blocks(prefill: FormPrefill) -> list[dict[str, Any]]:
    """The fields every form has; the org's blocks go in at ORG_BLOCKS_AT."""
    handles_hint = "Datadog handles, e.g. @pagerduty-payments @oncall-db."
    if prefill.default_handles:
        handles_hint += " Always notified: " + ", ".join(prefill.default_handles)
    channel = []
    if prefill.incident_channel is not None:  # DECLARE_INCIDENT_CHANNEL=ask
        box = checkbox("Create an incident channel", checked=prefill.incident_channel)
        channel = [input_block(ids.INCIDENT_CHANNEL, "Channel", box, optional=True)]
    return [
        title_block(prefill.title),
        input_block(ids.SEVERITY, "Severity", severity_select(prefill)),
        commander_block(prefill.commander_id),
        input_block(
            ids.IMPACT, "Customer impact", checkbox("Customers are affected"), optional=True
        ),
        input_block(
            ids.IMPACT_SCOPE,
            "Impact scope",
            text_input(
                multiline=True, placeholder="Who is affected, and how?", max_length=SCOPE_MAX
            ),
            optional=True,
            hint="Required when customers are affected.",
        ),
        summary_block(prefill.summary),
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
            text_input(placeholder="@pagerduty-payments @oncall-db", max_length=HANDLES_MAX),
            optional=True,
            hint=handles_hint,
        ),
        team_block(optional=True),
        person_block(optional=True),
        *channel,
        input_block(ids.IS_TEST, "Test", checkbox("This is a test incident"), optional=True),
    ]


ORG_BLOCKS_AT = 2
"""The org's blocks (incident type, custom fields) go after the title and the severity."""


def form_view(blocks: list[dict[str, Any]], metadata: str) -> dict[str, Any]:
    """The declare form around its blocks; `metadata` comes from form/metadata.py."""
    return {
        "type": "modal",
        "callback_id": ids.MODAL_CALLBACK,
        "title": plain("Declare an incident", VIEW_TITLE_MAX),
        "submit": plain("Declare", VIEW_TITLE_MAX),
        "close": plain("Cancel", VIEW_TITLE_MAX),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def status_view(title: str, text: str, *, url: str | None = None) -> dict[str, Any]:
    """A read-only view: "Declaring…", the result, or what went wrong."""
    section: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if url:
        section["accessory"] = {
            "type": "button",
            "text": plain("Open in Datadog", BUTTON_MAX),
            "url": url,
            "action_id": ids.OPEN_INCIDENT_ACTION,
        }
    return {
        "type": "modal",
        "callback_id": ids.MODAL_CALLBACK + "_status",
        "title": plain(title, VIEW_TITLE_MAX),
        "close": plain("Close", VIEW_TITLE_MAX),
        "blocks": [section],
    }


def declaring_view(title: str) -> dict[str, Any]:
    return status_view("Declaring…", f":hourglass_flowing_sand: Declaring *{safe(title, 2800)}*…")
