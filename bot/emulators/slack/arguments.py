"""How a Web API call's arguments and token are read from the HTTP request, as Slack reads them.

Query string, then a form or JSON body on top; JSON-valued arguments (`blocks`, `view`,
...) decoded whichever way they came, so handlers see one shape.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from bot.emulators.base import Request
from bot.emulators.slack.state import SlackError

JSON_FIELDS = ("view", "blocks", "attachments", "metadata")
"""Arguments Slack takes as JSON text in form bodies; decoded so callers see one shape."""


def call_arguments(request: Request) -> dict[str, Any]:
    """Query string, then the form or JSON body on top, like Slack merges them."""
    args: dict[str, Any] = {k: v[-1] for k, v in request.query.items()}
    content_type = (request.header("content-type") or "").lower()
    if request.raw_body:
        if "json" in content_type:
            try:
                body = request.json()
            except ValueError as exc:
                raise SlackError("invalid_json") from exc
            if not isinstance(body, dict):
                raise SlackError("invalid_json")
            args.update(body)
        elif "multipart" not in content_type:
            text = request.raw_body.decode("utf-8", "replace")
            args.update({k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()})
    return decode_json_fields(args)


def call_token(request: Request, args: dict[str, Any]) -> str | None:
    """The bearer token, else a `token` argument (older clients send it in the body)."""
    header = request.header("authorization") or ""
    if header.lower().startswith("bearer ") and header[7:].strip():
        return header[7:].strip()
    token = args.get("token")
    return str(token) if token else None


def decode_json_fields(args: dict[str, Any]) -> dict[str, Any]:
    """Form bodies carry blocks/view as JSON text; JSON bodies carry objects. Unify."""
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            try:
                args[key] = json.loads(value)
            except json.JSONDecodeError:
                pass  # handlers answer invalid_blocks_format / invalid_arguments
    return args


def truthy(value: Any) -> bool:
    """Form bodies send booleans as '1'/'0' or 'true'/'false'."""
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)
