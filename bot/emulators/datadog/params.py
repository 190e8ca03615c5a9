"""Reading Datadog API requests the way Datadog does: query parameters, JSON bodies, 400s.

Shared by the emulator's routes; a `BadRequest` raised anywhere in a handler becomes
Datadog's `{"errors": [...]}` 400.
"""

from __future__ import annotations

from typing import Any

from bot.emulators.base import Request, Response
from bot.emulators.datadog.validate import model_error


class BadRequest(Exception):
    """A request Datadog would reject; becomes a 400 with this message."""


def error_response(status: int, message: str) -> Response:
    """Datadog's plain error body: `{"errors": [message]}`."""
    return Response(status, {"errors": [message]})


def param(request: Request, name: str) -> str | None:
    """The last value of a query parameter, like Datadog's servers read repeated ones."""
    values = request.query.get(name)
    return values[-1] if values else None


def int_param(request: Request, name: str, default: int) -> int:
    raw = param(request, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"Invalid value for {name}: {raw!r} is not an integer") from None
    if value < 0:
        raise BadRequest(f"Invalid value for {name}: must be >= 0")
    return value


def json_body(request: Request, model: type[Any]) -> dict[str, Any]:
    """The JSON body, if the datadog-api-client `model` accepts it; else BadRequest."""
    try:
        body = request.json()
    except ValueError:
        raise BadRequest("Invalid JSON in request body") from None
    problem = model_error(body, model)
    if problem:
        raise BadRequest(problem)
    assert isinstance(body, dict)
    return body
