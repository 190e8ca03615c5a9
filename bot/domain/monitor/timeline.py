"""The important timeline cell for an incident declared from a monitor alert (Markdown).

Everything in it comes from an alert or a monitor, so it is untrusted: names are escaped,
the query sits in a code block, `@handles` in the runbook are defanged so that quoting the
runbook notifies nobody, and every part is bounded so the cell stays readable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain.incident.declaration import clean, shorten
from bot.domain.monitor.alert import AlertMessage, Monitor

CELL_MAX = 6000
"""Upper bound for the whole cell; the runbook is cut first."""
NAME_MAX = 250
QUERY_MAX = 1000
RUNBOOK_MAX = 1500
RUNBOOK_LINES_MAX = 30
GROUPS_MAX = 10
LINKS_MAX = 10
TAGS_SHOWN_MAX = 20
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_HANDLE = re.compile(r"(?<![\w`@])@([\w][\w.+@/-]*)")
_IMAGE = re.compile(r"!\[")
"""Images in a quoted runbook would load from anywhere when the timeline is viewed."""
_HTML = re.compile(r"<(?=[A-Za-z/!?])")
_BLOCK_MARKER = re.compile(r"\{\{\s*[#/^][^{}]*\}\}")
_PERMALINK = re.compile(r"https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9/._~%?=&+-]*)?")


def md_escape(text: str, limit: int = NAME_MAX) -> str:
    """One line of untrusted text, shortened, with Markdown's markup characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", shorten(" ".join(clean(text).split()), limit))


def code_span(text: str, limit: int = 100) -> str:
    """Inline code for a tag or group; backticks are dropped so the span cannot be closed."""
    return "`" + shorten(" ".join(clean(text).replace("`", "'").split()), limit) + "`"


def code_block(text: str, limit: int = QUERY_MAX) -> str:
    """A fenced block that the text cannot close: the fence is longer than any backtick run."""
    body = shorten(clean(text), limit)
    runs = [len(run) for run in re.findall(r"`+", body)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}\n{body}\n{fence}"


def quote_runbook(message: str, limit: int = RUNBOOK_MAX) -> str:
    """The monitor's message as a bounded Markdown quote: `@handles` as inert code, images
    and HTML tags shown as text."""
    text = _BLOCK_MARKER.sub("", clean(message))
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    cut = len(lines) > RUNBOOK_LINES_MAX
    body = shorten("\n".join(lines[:RUNBOOK_LINES_MAX]), limit)
    if cut and not body.endswith("…"):
        body += "\n…"
    body = _HANDLE.sub(lambda found: f"`@{found.group(1)}`", body)
    body = _IMAGE.sub(r"!\\[", _HTML.sub(r"\\<", body))
    return "\n".join("> " + line if line.strip() else ">" for line in body.splitlines())


def _safe_link(url: str | None) -> str | None:
    """Only plain https links go in as links; anything else could break the Markdown."""
    if url and len(url) <= 1000 and _PERMALINK.fullmatch(url):
        return url
    return None


def _monitor_summary(
    alert: AlertMessage, monitor: Monitor | None, title: str, not_read: str | None
) -> str:
    """The heading, then the monitor's state, groups and type as a list."""
    primary = alert.primary
    name = monitor.name if monitor is not None and monitor.name else title
    label = md_escape(name or (f"Monitor {primary.monitor_id}" if primary else "Monitor"))
    head = (
        f"**Declared from Datadog monitor [{label}]({primary.url})**"
        if primary
        else f"**Declared from a Datadog alert: {label}**"
    )
    lines: list[str] = []
    if monitor is not None:
        state = monitor.overall_state or "unknown"
        lines.append(f"- State when declared: **{md_escape(state, 40)}**")
    if alert.status:
        lines.append(f"- Alert message says: **{md_escape(alert.status, 40)}**")
    if not_read:
        lines.append(f"- Monitor details not read: {md_escape(not_read, 300)}")
    if alert.groups:
        shown = ", ".join(code_span(g) for g in alert.groups[:GROUPS_MAX])
        more = len(alert.groups) - GROUPS_MAX
        lines.append(f"- Alerting: {shown}" + (f" and {more} more" if more > 0 else ""))
    if monitor is not None and monitor.type:
        lines.append(f"- Type: {md_escape(monitor.type, 60)}")
    return "\n\n".join([head, "\n".join(lines)]) if lines else head


def timeline_markdown(
    alert: AlertMessage,
    monitor: Monitor | None,
    *,
    title: str = "",
    message_link: str | None = None,
    unmatched_tags: Sequence[str] = (),
    not_read: str | None = None,
) -> str:
    """The cell: monitor, state, groups, query, links, unmatched tags, then the runbook."""
    parts = [_monitor_summary(alert, monitor, title, not_read)]
    if monitor is not None and monitor.query.strip():
        parts.append("Query:\n" + code_block(monitor.query))
    links: list[str] = []
    link = _safe_link(message_link)
    if link:
        links.append(f"[Alert message in Slack]({link})")
    others = [m for m in alert.links if alert.primary is None or m.url != alert.primary.url]
    links.extend(f"[Monitor {m.monitor_id}]({m.url})" for m in others[:LINKS_MAX])
    if links:
        parts.append("Links: " + " · ".join(links))
    if unmatched_tags:
        shown = ", ".join(code_span(t) for t in unmatched_tags[:TAGS_SHOWN_MAX])
        more = len(unmatched_tags) - TAGS_SHOWN_MAX
        parts.append(
            "Tags not matched to a field: " + shown + (f" and {more} more" if more > 0 else "")
        )
    head = "\n\n".join(parts)
    if monitor is not None and monitor.message.strip():
        room = CELL_MAX - len(head) - len("\n\nRunbook (monitor message):\n") - 200
        runbook = quote_runbook(monitor.message, max(0, min(RUNBOOK_MAX, room)))
        if runbook:
            head += "\n\nRunbook (monitor message):\n" + runbook
    return head if len(head) <= CELL_MAX else shorten(head, CELL_MAX)
