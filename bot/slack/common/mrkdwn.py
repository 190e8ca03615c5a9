"""Make user text safe for Slack: mrkdwn escaping and Block Kit length limits."""

from __future__ import annotations

HEADER_MAX = 150
SECTION_MAX = 3000
LABEL_MAX = 2000
"""An input's label or hint, and a context line."""
BUTTON_MAX = 75
OPTION_MAX = 75
VIEW_TITLE_MAX = 24
"""A view's title and its submit and close buttons."""
FALLBACK_MAX = 3000


def escape(text: str) -> str:
    """Escape &, < and > so user text can't ping @channel or forge a <url|label> link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe(text: str, limit: int = SECTION_MAX) -> str:
    """Escape, then shorten; the cut never splits an escape like `&amp;`."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    out: list[str] = []
    size = 0
    for ch in text:
        piece = escape(ch)
        if size + len(piece) > limit - 1:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out) + "…"


def verbatim(text: str) -> dict[str, object]:
    """A mrkdwn text object that Slack will not auto-link or auto-mention."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}
