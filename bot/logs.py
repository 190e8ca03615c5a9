"""Logging: human-readable or JSON lines, a declaration id on every line, secrets masked."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

declaration_id: contextvars.ContextVar[str] = contextvars.ContextVar("declaration_id", default="-")
"""Set by the listeners and the runner; carried from /declare to the thread reply."""

MASK = "[redacted]"

_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/?#@]*@")


def hide_userinfo(text: str) -> str:
    """`text` with the `user:password@` of every URL in it removed (a proxy's credentials).

    Used on every URL the bot prints: messages to declarers, logs, `declare-bot check`.
    """
    return _USERINFO.sub(r"\g<scheme>", text)


def userinfo_secrets(url: str | None) -> list[str]:
    """The credentials a URL carries (raw and decoded), for the log redactor."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if not userinfo:
        return []
    found = {userinfo, unquote(userinfo)}
    if parts.password:
        found |= {parts.password, unquote(parts.password)}
    return sorted(found)


class ContextFilter(logging.Filter):
    """Stamps each record with the current declaration id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "declaration"):
            record.declaration = declaration_id.get()
        return True


class RedactingFilter(logging.Filter):
    """Replaces every secret value in a log line, whatever logger wrote it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return hide_userinfo(text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "declaration": getattr(record, "declaration", "-"),
            "message": record.getMessage(),
        }
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


QUIET_UNLESS_SET = ("slack_bolt", "slack_sdk.web.base_client")
"""Loggers whose debug lines are built unless their own level says otherwise."""

TEXT_FORMAT = "%(asctime)s %(levelname)-7s [%(declaration)s] %(name)s: %(message)s"


def configure_logging(level: str, fmt: str, secrets: Iterable[str]) -> logging.Handler:
    """Install one stderr handler on the root logger; returns it (tests capture with it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # Bolt and slack_sdk test `logger.level <= DEBUG` on their own loggers, not the effective
    # level, so an unset level makes them format every debug line (a whole view's JSON on
    # each call, a line per middleware) only for the handler to drop it. Bolt copies the
    # level into each middleware's logger as the app is built, after this runs.
    for name in QUIET_UNLESS_SET:
        logging.getLogger(name).setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return handler
