"""The postmortem, drafted from what the bot kept of the incident (pure functions).

In: the incident as the card shows it (`IncidentView`), its journal
(bot/domain/incident/journal.py), its to-dos and responders, and the names of the Slack
people involved. Out: a `PostmortemDraft`, a title and markdown cells for Datadog's
postmortem attachment:

    # Postmortem: IR-12 Checkout errors          ← the template (DEFAULT_TEMPLATE or the
    ## Summary   {{summary}}                        org's own, DECLARE_POSTMORTEM_TEMPLATE)
    ## Impact    {{impact}}                         with each placeholder filled in, then
    ## Timeline  {{timeline}}                       cut into cells at its `#`/`##` headings
    ## Responders {{responders}}                    (a section longer than CELL_MAX goes
    ## To-dos    {{todos}}                          on in a "(continued)" cell)
    ## Lessons   (questions for the review)

It is markdown for Datadog, not Slack's mrkdwn: nothing is HTML-escaped. What people wrote
is shown as written, quoted, with Slack's markup turned into text: `<@U123>` and
`<!channel>` become inert code spans (`@Ana`, `@channel`), `<https://x|label>` a markdown
link, `&lt;` `<` again; raw HTML and images are shown as text, and `@handles` as code, so
reading the postmortem notifies no one.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.domain.incident.declaration import clean, shorten
from bot.domain.incident.journal import EntryKind, JournalEntry, in_order
from bot.domain.incident.state import IncidentView
from bot.domain.monitor.timeline import code_span, md_escape

CELL_MAX = 6000
"""Characters per markdown cell. Datadog documents no limit; this is the bound the bot keeps
for the timeline cell it writes at declaration (bot/domain/monitor/timeline.py)."""
CELLS_MAX = 60
"""Cells per postmortem: at most about 360 KB of markdown in one request."""
TITLE_MAX = 200
ENTRIES_MAX = 400
TIMELINE_MAX = 150_000
"""Timeline entries drafted, and their characters: the rest are counted ("… and 12 more"),
so the sections after the timeline always fit in CELLS_MAX."""
QUOTE_MAX = 1500
QUOTE_LINES_MAX = 30
LIST_MAX = 50
"""Responders or to-dos listed."""

PLACEHOLDERS = ("title", "incident", "link", "summary", "impact", "timeline", "responders", "todos")
"""What a template may hold as `{{name}}`; anything else is left as written."""

DEFAULT_TEMPLATE = """# {{title}}

_Drafted by declare-bot from what was kept in Slack. Check it, then edit freely._

## Summary

{{summary}}

## Impact

{{impact}}

## Timeline

{{timeline}}

## Responders

{{responders}}

## To-dos

{{todos}}

## Lessons

- What went well?
- What went wrong?
- Where did we get lucky?
- What do we change, and who owns it?
"""


class PostmortemMode(StrEnum):
    """DECLARE_POSTMORTEM: whether resolving drafts the postmortem."""

    OFFER = "offer"
    """A "Draft the postmortem" checkbox in the resolve form, checked."""
    ALWAYS = "always"
    NEVER = "never"
    """Neither on resolve nor from the card."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class DraftTodo(_Frozen):
    content: str
    assignees: tuple[str, ...] = ()
    """As people read them (Datadog handles or names)."""
    done: bool = False
    due: str | None = None


class DraftResponder(_Frozen):
    name: str
    roles: tuple[str, ...] = ()


class PostmortemDraft(_Frozen):
    """What goes to Datadog: `POST …/attachments/postmortems` (title and markdown cells)."""

    title: str
    cells: tuple[str, ...]


# --- text: Slack's markup to safe markdown --------------------------------------------

_MARKUP = re.compile(r"<([^<>\n]{1,1000})>|(?<![\w`@\\])@([\w][\w.+@/-]*)")
"""Slack's `<…>` tokens, and `@handles` people typed (Datadog would notify them)."""
_SLACK_TOKEN = re.compile(r"<([^<>\n]{1,1000})>")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_HTML = re.compile(r"<(?=[A-Za-z/!?])")
_IMAGE = re.compile(r"!\[")
_HTTPS = re.compile(r"https://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9/._~%?=&+#:@!,;*$'-]*)?")
_SPECIAL_MENTIONS = {"channel", "here", "everyone"}


def safe_link(url: str | None) -> str | None:
    """A plain https link (a permalink), else None: anything else could break the markdown."""
    if url and len(url) <= 1000 and _HTTPS.fullmatch(url):
        return url
    return None


def _unescape(text: str) -> str:
    """Slack's three entities back to characters (Slack escapes them in message text)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _block_text(text: str) -> str:
    """Text inside a quote: markdown kept as people wrote it, HTML and images as text."""
    return _IMAGE.sub(r"!\\[", _HTML.sub(r"\\<", _unescape(text)))


def _line_text(text: str) -> str:
    """Text on one line of the draft: every markdown character shown as itself."""
    return _MD_SPECIAL.sub(r"\\\1", _unescape(text))


def _read_token(inner: str, names: Mapping[str, str]) -> tuple[str, str, str | None]:
    """One `<…>` of Slack's markup read: (kind, what it shows, its https link or None);
    kind is "mention" (`@name`, `#channel`, `@channel`), "link" or "text"."""
    head, _, label = inner.partition("|")
    if head.startswith("@"):  # <@U123> or <@U123|ana>
        user = head[1:]
        return "mention", "@" + (names.get(user) or label or user), None
    if head.startswith("#"):  # <#C123|general>
        return "mention", "#" + (label or head[1:]), None
    if head.startswith("!"):  # <!channel>, <!subteam^S1|@oncall>, <!date^…|fallback>
        special = head[1:].split("^")[0]
        if special in _SPECIAL_MENTIONS:
            return "mention", "@" + special, None
        if special == "subteam":
            return "mention", label if label.startswith("@") else "@" + (label or "group"), None
        return "text", label, None
    link = safe_link(_unescape(head))
    if link:
        return "link", " ".join((label or link).split()), link
    return "text", label or head, None


def _token(inner: str, names: Mapping[str, str], plain: Callable[[str], str]) -> str:
    """One `<…>` of Slack's markup as markdown that mentions no one."""
    kind, shown, link = _read_token(inner, names)
    if kind == "mention":
        return code_span(shown, 100)
    if link:
        return f"[{_line_text(shown)}]({link})"
    return plain(shown)


def plain_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack message text as plain text (a link's title, a to-do): `<@U1|ana>` as `@ana`,
    `<!channel>` as `@channel`, `<https://x|here>` as `here (https://x)`, `&lt;` as `<`."""
    names = names or {}
    out: list[str] = []
    last = 0
    for found in _SLACK_TOKEN.finditer(text):
        out.append(_unescape(text[last : found.start()]))
        kind, shown, link = _read_token(found.group(1), names)
        if kind == "text":
            shown = _unescape(shown)
        out.append(f"{shown} ({link})" if link and shown != link else shown)
        last = found.end()
    out.append(_unescape(text[last:]))
    return "".join(out)


def slack_text(text: str, names: Mapping[str, str] | None = None, *, one_line: bool = False) -> str:
    """Slack message text as markdown for Datadog: mentions and links as inert text, no
    markup that reaches out (notifications, images, HTML). `one_line`: whitespace folded
    and markdown characters escaped, for a list item or a heading."""
    names = names or {}
    text = " ".join(clean(text).split()) if one_line else clean(text)
    plain = _line_text if one_line else _block_text
    out: list[str] = []
    last = 0
    for found in _MARKUP.finditer(text):
        out.append(plain(text[last : found.start()]))
        if found.group(1) is not None:
            out.append(_token(found.group(1), names, plain))
        else:
            out.append(code_span("@" + found.group(2), 100))
        last = found.end()
    out.append(plain(text[last:]))
    return "".join(out)


def quote(text: str, names: Mapping[str, str] | None = None) -> str:
    """A bounded markdown quote of what someone wrote (a message, a status update)."""
    lines = [line.rstrip() for line in clean(text).strip().splitlines()]
    cut = len(lines) > QUOTE_LINES_MAX
    body = shorten("\n".join(lines[:QUOTE_LINES_MAX]), QUOTE_MAX)
    if cut and not body.endswith("…"):
        body += "\n…"
    shown = slack_text(body, names)
    return "\n".join("> " + line if line.strip() else ">" for line in shown.splitlines())


# --- time -------------------------------------------------------------------------------


def _moment(at: float | datetime) -> datetime:
    if isinstance(at, datetime):
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return datetime.fromtimestamp(at, UTC)


def when(at: float | datetime) -> str:
    """`2026-12-07 02:14 UTC`."""
    return _moment(at).strftime("%Y-%m-%d %H:%M UTC")


def duration(start: float | datetime, end: float | datetime) -> str:
    """`1 h 23 min`, `45 min`, `2 d 3 h`, `under a minute`."""
    seconds = int((_moment(end) - _moment(start)).total_seconds())
    if seconds < 60:
        return "under a minute"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


# --- the incident's times, from the journal first -------------------------------------


def declared_at(view: IncidentView, entries: Sequence[JournalEntry]) -> float | datetime | None:
    found = next((e.at for e in entries if e.kind is EntryKind.DECLARED), None)
    return found if found is not None else view.created


def resolved_at(view: IncidentView, entries: Sequence[JournalEntry]) -> float | datetime | None:
    """The last resolve not followed by a reopen; else Datadog's `resolved` when closed."""
    last: float | None = None
    for entry in in_order(list(entries)):
        if entry.kind is EntryKind.RESOLVED:
            last = entry.at
        elif entry.kind is EntryKind.REOPENED:
            last = None
    if last is not None:
        return last
    return view.resolved_at if view.resolved else None


# --- sections ---------------------------------------------------------------------------


def _person(user_id: str | None, names: Mapping[str, str]) -> str:
    if not user_id:
        return ""
    return md_escape(names.get(user_id) or user_id, 100)


_NOT_SUMMED = frozenset({"slug"})
"""Fields the summary says otherwise (the slug is the incident's label)."""


def summary_section(
    view: IncidentView, entries: Sequence[JournalEntry], names: Mapping[str, str]
) -> str:
    declared = declared_at(view, entries)
    resolved = resolved_at(view, entries)
    declarer = next((e.actor_id for e in entries if e.kind is EntryKind.DECLARED), None)
    lines = [f"- **Incident:** {_incident_link(view)}: {md_escape(view.title, 300)}"]
    lines.append(f"- **Severity:** {md_escape(view.severity, 40)}")
    lines.append(f"- **State when drafted:** {md_escape(view.state, 40)}")
    if view.commander is not None:
        lines.append(f"- **Commander:** {md_escape(view.commander.label, 100)}")
    if declared is not None:
        by = _person(declarer, names)
        lines.append(f"- **Declared:** {when(declared)}" + (f" by {by}" if by else ""))
    if resolved is not None:
        lines.append(f"- **Resolved:** {when(resolved)}")
    if declared is not None and resolved is not None:
        lines.append(f"- **Duration:** {duration(declared, resolved)}")
    for field in view.fields:
        if field.values and field.name not in _NOT_SUMMED:
            shown = ", ".join(md_escape(v, 100) for v in field.values[:20])
            lines.append(f"- **{md_escape(field.name.replace('_', ' ').title(), 60)}:** {shown}")
    return "\n".join(lines)


def impact_section(view: IncidentView, entries: Sequence[JournalEntry]) -> str:
    if not view.customer_impacted and view.customer_impact_start is None:
        return "No customer impact was recorded."
    lines = ["- **Customers impacted:** yes"]
    if view.customer_impact_scope:
        lines.append(f"- **Scope:** {md_escape(view.customer_impact_scope, 1000)}")
    start = view.customer_impact_start or declared_at(view, entries)
    end = view.customer_impact_end
    if start is not None:
        lines.append(f"- **Started:** {when(start)}")
    if end is not None:
        lines.append(f"- **Ended:** {when(end)}")
    if start is not None and end is not None:
        lines.append(f"- **Impact duration:** {duration(start, end)}")
    elif start is not None:
        lines.append("- **Impact duration:** not ended in Datadog when this was drafted")
    return "\n".join(lines)


_VERBS: dict[str, str] = {
    EntryKind.DECLARED: "Declared",
    EntryKind.CHANGED: "Changed",
    EntryKind.RESOLVED: "Resolved",
    EntryKind.REOPENED: "Reopened",
    EntryKind.STATUS_UPDATE: "Status update",
    EntryKind.CAPTURED: "Message",
    EntryKind.RESPONDER_ADDED: "Responder added",
    EntryKind.RESPONDER_REMOVED: "Responder removed",
    EntryKind.PAGED: "Paged",
    EntryKind.NOTICE_PUBLISHED: "Public notice",
    EntryKind.TODO_ADDED: "To-do added",
    EntryKind.TODO_DONE: "To-do done",
    EntryKind.TODO_REOPENED: "To-do reopened",
}
_QUOTED = frozenset({EntryKind.STATUS_UPDATE, EntryKind.CAPTURED, EntryKind.NOTICE_PUBLISHED})
"""What people wrote at length: quoted under the line. Other texts are one line."""


def _without(text: str, verb: str) -> str:
    """The bot's own wording without its verb: `resolved the incident: Rolled back` under
    "Resolved by Ana" reads `Rolled back`."""
    found = re.match(rf"{re.escape(verb)}\b( the incident)?\s*:?\s*", text, re.IGNORECASE)
    return text[found.end() :] if found else text


def timeline_entry(entry: JournalEntry, names: Mapping[str, str]) -> str:
    """`**02:14 UTC** · Status update by Ana` and what was said, with its link."""
    verb = _VERBS.get(entry.kind) or entry.kind.value.replace("_", " ").capitalize()
    head = f"**{when(entry.at)}** · {verb}"
    if entry.kind is EntryKind.CAPTURED:  # actor: who wrote it; `added_by`: who added it
        data = entry.data
        author = data.get("author_id") or entry.actor_id
        adder = data.get("added_by") or (entry.actor_id if data.get("author_id") else None)
        who = _person(author, names) or md_escape(data.get("author_name", ""), 100)
        head += f" from {who}" if who else ""
        if adder and adder != author:
            head += f" (added by {_person(adder, names)})"
    else:
        by = _person(entry.actor_id, names)
        head += f" by {by}" if by else (" in Datadog" if entry.kind is EntryKind.CHANGED else "")
    text = entry.text.strip()
    if entry.kind not in _QUOTED:  # what people wrote stays whole
        text = _without(text, verb)
    parts = [head]
    if text and entry.kind in _QUOTED:
        parts.append(quote(text, names))
    elif text:
        parts[0] += ": " + slack_text(shorten(text, 500), names, one_line=True)
    link = safe_link(entry.permalink)
    if link:  # a paragraph of its own: right under a quote it would be quoted too
        parts.append(f"[Open in Slack]({link})")
    return "\n\n".join(parts)


def timeline_section(entries: Sequence[JournalEntry], names: Mapping[str, str]) -> str:
    kept = [e for e in in_order(list(entries)) if e.kind is not EntryKind.POSTMORTEM]
    if not kept:
        return "Nothing was recorded in Slack."
    shown: list[str] = []
    room = TIMELINE_MAX
    for entry in kept[:ENTRIES_MAX]:
        line = timeline_entry(entry, names)
        room -= len(line) + 2
        if room < 0:
            break
        shown.append(line)
    if len(shown) < len(kept):
        shown.append(f"… and {len(kept) - len(shown)} more, in the incident's Slack thread.")
    return "\n\n".join(shown)


def responders_section(view: IncidentView, responders: Sequence[DraftResponder]) -> str:
    lines: list[str] = []
    if view.commander is not None:
        lines.append(f"- {md_escape(view.commander.label, 100)} — Commander")
    commander = view.commander.label if view.commander else None
    for responder in responders[:LIST_MAX]:
        roles = [
            r for r in responder.roles if not (responder.name == commander and r == "Commander")
        ]
        if responder.name == commander and not roles:
            continue
        role = ", ".join(md_escape(r, 60) for r in roles) or "Responder"
        lines.append(f"- {md_escape(responder.name, 100)} — {role}")
    return "\n".join(lines) or "No responders were recorded."


def todos_section(todos: Sequence[DraftTodo], names: Mapping[str, str]) -> str:
    lines: list[str] = []
    for todo in todos[:LIST_MAX]:
        mark = "x" if todo.done else " "
        extra = [md_escape(a, 100) for a in todo.assignees]
        if todo.due:
            extra.append("due " + md_escape(todo.due, 40))
        tail = f" ({', '.join(extra)})" if extra else ""
        content = slack_text(shorten(todo.content, 300), names, one_line=True)
        lines.append(f"- [{mark}] {content}{tail}")
    if len(todos) > LIST_MAX:
        lines.append(f"- … and {len(todos) - LIST_MAX} more in Datadog")
    return "\n".join(lines) or "No to-dos were recorded."


# --- what the journal says of to-dos and responders -----------------------------------


def todos_from(entries: Iterable[JournalEntry]) -> list[DraftTodo]:
    """The to-dos as the journal tells them: added (`data["todo_id"]`, text the content,
    `data["assignees"]` comma-separated, `data["due"]`), then done or reopened."""
    todos: dict[str, DraftTodo] = {}
    for entry in in_order(list(entries)):
        todo_id = entry.data.get("todo_id") or entry.text
        if entry.kind is EntryKind.TODO_ADDED:
            listed = entry.data.get("assignees", "").split(",")
            assignees = tuple(a.strip() for a in listed if a.strip())
            todos[todo_id] = DraftTodo(
                content=entry.text, assignees=assignees, due=entry.data.get("due") or None
            )
        elif entry.kind in (EntryKind.TODO_DONE, EntryKind.TODO_REOPENED) and todo_id in todos:
            done = entry.kind is EntryKind.TODO_DONE
            todos[todo_id] = todos[todo_id].model_copy(update={"done": done})
    return list(todos.values())


def responders_from(
    entries: Iterable[JournalEntry], names: Mapping[str, str]
) -> list[DraftResponder]:
    """Responders as the journal tells them: added or removed (`data["responder_id"]`,
    `data["slack_user_id"]` or `data["user_id"]`, else `data["name"]`; `data["role"]`), in
    the order they joined."""
    found: dict[str, DraftResponder] = {}
    for entry in in_order(list(entries)):
        if entry.kind not in (EntryKind.RESPONDER_ADDED, EntryKind.RESPONDER_REMOVED):
            continue
        user = entry.data.get("slack_user_id") or entry.data.get("user_id", "")
        key = entry.data.get("responder_id") or user or entry.data.get("name", "") or entry.text
        if entry.kind is EntryKind.RESPONDER_REMOVED:
            found.pop(key, None)
            continue
        name = names.get(user) or entry.data.get("name") or entry.text or user
        role = entry.data.get("role", "")
        roles = found[key].roles if key in found else ()
        found[key] = DraftResponder(
            name=name, roles=(*roles, role) if role and role not in roles else roles
        )
    return list(found.values())


# --- the draft ------------------------------------------------------------------------


def _incident_link(view: IncidentView) -> str:
    link = safe_link(view.url)
    return f"[{view.label}]({link})" if link else view.label


def postmortem_title(view: IncidentView) -> str:
    return shorten(f"Postmortem: {view.label} {' '.join(clean(view.title).split())}", TITLE_MAX)


def fill(template: str, values: Mapping[str, str]) -> str:
    """`{{name}}` replaced by `values[name]`; unknown names stay as written."""
    return re.sub(
        r"\{\{\s*(\w+)\s*\}\}",
        lambda found: values.get(found.group(1), found.group(0)),
        template,
    )


def split_cells(markdown: str) -> tuple[str, ...]:
    """One cell per `#`/`##` section; a section over CELL_MAX goes on in further cells,
    cut between paragraphs; at most CELLS_MAX cells."""
    sections: list[list[str]] = [[]]
    for line in markdown.strip().splitlines():
        if re.match(r"#{1,2} ", line) and any(s.strip() for s in sections[-1]):
            sections.append([])
        sections[-1].append(line)
    cells: list[str] = []
    for lines in sections:
        text = "\n".join(lines).strip()
        if text:
            cells.extend(_bounded(text))
    if len(cells) > CELLS_MAX:
        cells = [
            *cells[: CELLS_MAX - 1],
            "_The rest did not fit: see the incident's Slack thread._",
        ]
    return tuple(cells)


def _bounded(section: str) -> list[str]:
    if len(section) <= CELL_MAX:
        return [section]
    heading = section.splitlines()[0] if section.startswith("#") else ""
    more = f"{heading} (continued)" if heading else ""
    cells: list[str] = []
    current = ""
    # between paragraphs, never before a quote or a link: they belong to the line above
    for paragraph in re.split(r"\n\n(?![>\[])", section):
        if len(paragraph) > CELL_MAX - len(more) - 2:
            paragraph = shorten(paragraph, CELL_MAX - len(more) - 2)
        joined = f"{current}\n\n{paragraph}" if current else paragraph
        if len(joined) <= CELL_MAX:
            current = joined
            continue
        cells.append(current)
        current = f"{more}\n\n{paragraph}" if more else paragraph
    if current:
        cells.append(current)
    return cells


def draft_postmortem(
    view: IncidentView,
    entries: Sequence[JournalEntry],
    *,
    todos: Sequence[DraftTodo] = (),
    responders: Sequence[DraftResponder] = (),
    names: Mapping[str, str] | None = None,
    template: str | None = None,
) -> PostmortemDraft:
    """The postmortem of `view` from its journal; `template` (markdown with `{{name}}`
    placeholders, see PLACEHOLDERS) replaces DEFAULT_TEMPLATE."""
    names = names or {}
    entries = in_order([e for e in entries if e.incident_id == view.incident_id])
    title = postmortem_title(view)
    values = {
        "title": md_escape(title, TITLE_MAX),
        "incident": view.label,
        "link": _incident_link(view),
        "summary": summary_section(view, entries, names),
        "impact": impact_section(view, entries),
        "timeline": timeline_section(entries, names),
        "responders": responders_section(view, responders),
        "todos": todos_section(todos, names),
    }
    markdown = fill(textwrap.dedent(template) if template else DEFAULT_TEMPLATE, values)
    return PostmortemDraft(title=title, cells=split_cells(markdown))


def people_in(entries: Iterable[JournalEntry]) -> set[str]:
    """The Slack users a draft names: whose names to look up before drafting."""
    people: set[str] = set()
    for entry in entries:
        data = entry.data
        for user in (
            entry.actor_id,
            data.get("author_id"),
            data.get("added_by"),
            data.get("slack_user_id"),
            data.get("user_id"),
        ):
            if user:
                people.add(user)
        people.update(re.findall(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", entry.text))
    return people
