"""The Add responder and Remove responder modals: builders and their one parser.

The modal carries only the card's key, signed (bot/slack/declare/form/metadata.py), so the
incident always comes from what the bot stored. The role select lists the org's roles
(Datadog's user-defined roles) and is left out when the org has none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.domain.incident.responders import Responder, ResponderRole
from bot.slack.common import ids, payload
from bot.slack.common.mrkdwn import cut, safe, verbatim
from bot.slack.declare.form.metadata import signed, verified

OPTIONS_MAX = 100
"""Slack's limit of options in one static_select."""
OPTION_TEXT_MAX = 75


def _meta(card_key: str) -> str:
    return signed(json.dumps({"card": card_key}, separators=(",", ":")))


def card_key_of(view: dict[str, Any]) -> str | None:
    """The card the modal was opened for; None when the metadata is missing or altered."""
    try:
        data = json.loads(verified(payload.string(view, "private_metadata")))
    except ValueError:
        return None
    key = data.get("card") if isinstance(data, dict) else None
    return key if isinstance(key, str) and key else None


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": cut(text, OPTION_TEXT_MAX)}, "value": value}


def _modal(
    callback: str, title: str, submit: str, card_key: str, blocks: list[Any]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": _meta(card_key),
        "blocks": blocks,
    }


def add_responder_view(
    card_key: str, label: str, roles: list[ResponderRole], roles_problem: str | None = None
) -> dict[str, Any]:
    """A person (Slack user select) and, when the org has roles, one of them."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": ids.RESPONDER_PERSON,
            "label": {"type": "plain_text", "text": "Person"},
            "element": {
                "type": "users_select",
                "action_id": ids.RESPONDER_PERSON,
                "placeholder": {"type": "plain_text", "text": "Who joins the response?"},
            },
        }
    ]
    if roles:
        blocks.append(
            {
                "type": "input",
                "block_id": ids.RESPONDER_ROLE,
                "optional": True,
                "label": {"type": "plain_text", "text": "Role"},
                "element": {
                    "type": "static_select",
                    "action_id": ids.RESPONDER_ROLE,
                    "placeholder": {"type": "plain_text", "text": "Their role, if any"},
                    "options": [_option(r.name, r.id) for r in roles[:OPTIONS_MAX]],
                },
            }
        )
    note = f"They are added in Datadog as a responder to {safe(label, 100)}."
    if roles_problem:
        note += f"\n:warning: Datadog's roles couldn't be read ({safe(roles_problem, 500)})."
    blocks.append({"type": "context", "elements": [verbatim(note)]})
    return _modal(ids.ADD_RESPONDER_CALLBACK, "Add responder", "Add", card_key, blocks)


def remove_responder_view(
    card_key: str, label: str, responders: tuple[Responder, ...]
) -> dict[str, Any]:
    """One of the card's responders to take off the incident."""
    options = []
    for responder in responders[:OPTIONS_MAX]:
        role = f" ({responder.role_name})" if responder.role_name else ""
        options.append(_option(f"{responder.label}{role}", responder.responder_id))
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": ids.RESPONDER_PICK,
            "label": {"type": "plain_text", "text": "Responder"},
            "element": {
                "type": "static_select",
                "action_id": ids.RESPONDER_PICK,
                "options": options,
            },
        },
        {
            "type": "context",
            "elements": [verbatim(f"They are removed in Datadog from {safe(label, 100)}.")],
        },
    ]
    return _modal(ids.REMOVE_RESPONDER_CALLBACK, "Remove responder", "Remove", card_key, blocks)


@dataclass(frozen=True)
class ResponderForm:
    """What a person submitted: the Slack user, the role id, the responder id to remove."""

    person: str | None = None
    role_id: str | None = None
    responder_id: str | None = None


def read_form(view: dict[str, Any]) -> ResponderForm:
    values = payload.obj(payload.obj(view, "state"), "values")

    def element(block: str) -> dict[str, Any]:
        return payload.obj(payload.obj(values, block), block)

    def chosen(block: str) -> str | None:
        value = payload.string(payload.obj(element(block), "selected_option"), "value")
        return value or None

    person = payload.string(element(ids.RESPONDER_PERSON), "selected_user") or None
    return ResponderForm(
        person=person, role_id=chosen(ids.RESPONDER_ROLE), responder_id=chosen(ids.RESPONDER_PICK)
    )
