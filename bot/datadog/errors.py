"""Typed Datadog errors, each carrying Datadog's own messages and what to do.

DatadogError
├── DatadogTransportError      the request failed on the wire
│   ├── DatadogTimeout         a read got no answer in time (retries, if any, exhausted)
│   └── DatadogAmbiguousError  a non-idempotent request may have reached Datadog
├── DatadogUnreadableResponse  a 2xx whose body could not be read (empty, not JSON, odd shape)
└── DatadogStatusError         Datadog answered with an error status
    ├── DatadogBadRequest      400
    ├── DatadogUnauthorized    401
    ├── DatadogForbidden       403
    ├── DatadogNotFound        404
    ├── DatadogRateLimited     429 (retries exhausted)
    └── DatadogServerError     5xx
"""

from __future__ import annotations

from typing import Any


class DatadogError(Exception):
    """Base of every error the Datadog client raises."""

    @property
    def user_message(self) -> str:
        """A sentence for the person declaring: what happened and what to do."""
        return str(self)


class DatadogTransportError(DatadogError):
    """Datadog could not be reached, or the connection failed."""

    @property
    def user_message(self) -> str:
        return f"Could not reach Datadog ({self}). Check Datadog's status page, then retry."


class DatadogTimeout(DatadogTransportError):
    """A read (idempotent) timed out, every allowed attempt."""


class DatadogAmbiguousError(DatadogTransportError):
    """The request may have been processed; do not resend blindly."""


class DatadogUnreadableResponse(DatadogError):
    """Datadog said yes (2xx) but its body could not be read.

    A read is safe to retry. For a create (`ambiguous`), the incident may exist: the
    caller must look for it before creating again.
    """

    def __init__(self, status: int, request: str, problem: str, *, ambiguous: bool) -> None:
        self.status = status
        self.request = request
        self.problem = problem
        self.ambiguous = ambiguous
        super().__init__(
            f"Datadog answered {status} to {request} with an unreadable body: {problem}"
        )

    @property
    def user_message(self) -> str:
        """Short: it may be shown under a form field, which Slack cuts at 150 characters."""
        what = f"Datadog's answer to {self.request} could not be read ({self.problem})"
        return f"{what}. Retry in a moment."


class DatadogStatusError(DatadogError):
    """Datadog answered with an error status."""

    status: int = 0
    hint = ""

    def __init__(
        self,
        status: int,
        messages: list[str],
        *,
        request_id: str | None = None,
        permission: str | None = None,
    ) -> None:
        self.status = status
        self.messages = messages or ["(no message)"]
        self.request_id = request_id
        self.permission = permission
        super().__init__(f"Datadog answered {status}: {'; '.join(self.messages)}")

    @property
    def reason(self) -> str:
        return "; ".join(self.messages)

    @property
    def user_message(self) -> str:
        hint = self.what_to_do()
        return f"Datadog said {self.status}: {self.reason}." + (f" {hint}" if hint else "")

    def what_to_do(self) -> str:
        return self.hint


class DatadogBadRequest(DatadogStatusError):
    hint = "Check the form's values, then retry."


class DatadogUnauthorized(DatadogStatusError):
    def what_to_do(self) -> str:
        return (
            "The API key (DD_API_KEY) or application key (DD_APP_KEY) is missing or invalid, "
            "or DD_SITE does not match your Datadog site. Ask the bot's admin to run "
            "`declare-bot check`."
        )


class DatadogForbidden(DatadogStatusError):
    def what_to_do(self) -> str:
        permission = self.permission or "incident_write"
        return (
            f"The application key (DD_APP_KEY) likely lacks the `{permission}` permission, or "
            "the API key (DD_API_KEY) belongs to another site or org. Ask the bot's admin to "
            "run `declare-bot check`."
        )


class DatadogNotFound(DatadogStatusError):
    hint = "The resource does not exist in this Datadog org (check DD_SITE)."


class DatadogRateLimited(DatadogStatusError):
    def __init__(self, *args: Any, reset_after: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reset_after = reset_after

    def what_to_do(self) -> str:
        return f"Datadog is rate limiting us; retry in about {max(1, round(self.reset_after))} s."


class DatadogServerError(DatadogStatusError):
    hint = "Datadog had an internal error; check Datadog's status page, then retry."


_BY_STATUS: dict[int, type[DatadogStatusError]] = {
    400: DatadogBadRequest,
    401: DatadogUnauthorized,
    403: DatadogForbidden,
    404: DatadogNotFound,
    429: DatadogRateLimited,
}


def error_messages(body: Any) -> list[str]:
    """Datadog's messages from either error shape: strings, or {title, detail} objects."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    messages: list[str] = []
    for item in errors:
        if isinstance(item, str):
            messages.append(item)
        elif isinstance(item, dict):
            parts = [str(item[k]) for k in ("title", "detail") if item.get(k)]
            messages.append(": ".join(parts) if parts else str(item))
    return messages


def status_error(
    status: int,
    body: Any,
    *,
    request_id: str | None = None,
    permission: str | None = None,
    reset_after: float = 0.0,
) -> DatadogStatusError:
    """Map a status code and body to the matching exception class."""
    messages = error_messages(body)
    if status == 429:
        return DatadogRateLimited(
            status, messages, request_id=request_id, permission=permission, reset_after=reset_after
        )
    cls = _BY_STATUS.get(status) or (DatadogServerError if status >= 500 else DatadogStatusError)
    return cls(status, messages, request_id=request_id, permission=permission)
