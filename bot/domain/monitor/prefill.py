"""What the form is filled with when declaring from a Datadog monitor alert.

`prefill` maps a monitor (when it could be read) and its alert message to a title, a severity,
user-defined field values and the timeline cell. Rules, as docs/monitor-alerts.md states them:

- title: the alert's rendered title when it has one, else the monitor's name without
  unrendered `{{template.variables}}` and without a leading `[P1]`-style tag;
- severity: the monitor's priority through DECLARE_MONITOR_SEVERITY; no priority (or a
  severity the org does not offer) keeps the form's default;
- fields: a tag `key:value` fills the field named `key`, singular or plural
  (`service` -> `services`), with values the field accepts; every other tag is listed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.incident.declaration import TITLE_MAX, clean, shorten
from bot.domain.incident.org import HIDDEN_FIELDS, FieldKind, OrgField
from bot.domain.monitor.alert import MONITOR_NAME_MAX, AlertMessage, Monitor, MonitorSeverity
from bot.domain.monitor.timeline import timeline_markdown

TAG_VALUE_MAX = 200
TAGS_MAX = 100
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_PRIORITY_TAG = re.compile(r"^\s*\[P[0-5]\]\s*", re.IGNORECASE)
DANGLING_WORDS = frozenset({"on", "for", "in", "at", "of", "by", "from", "with"})
"""Words a dropped `{{variable}}` leaves hanging at the end: `High CPU on {{host.name}}`."""
_EDGE_PUNCTUATION = " \t-:|,/([{"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class MonitorPrefill:
    """The form's starting values; `fields` is `{field name: values}` as the form takes them."""

    title: str
    severity: str | None
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unmatched_tags: tuple[str, ...] = ()
    recovered: bool = False
    timeline: str = ""


def _group_values(groups: Sequence[str]) -> dict[str, str]:
    """`host:web-1` -> {"host": "web-1"}, to render `{{host.name}}` the way Datadog would."""
    values: dict[str, str] = {}
    for group in groups:
        for part in group.split(","):
            key, colon, value = part.strip().partition(":")
            if colon and key and value:
                values.setdefault(key.lower(), value)
    return values


def render_name(name: str, groups: Sequence[str] = ()) -> str:
    """A monitor name as a title: known group variables filled, other `{{...}}` dropped.

    >>> render_name("[P1] High CPU on {{host.name}}")
    'High CPU'
    >>> render_name("High CPU on {{host.name}}", ["host:web-1"])
    'High CPU on web-1'
    """
    known = _group_values(groups)

    def fill(found: re.Match[str]) -> str:
        inner = found.group(0)[2:-2].strip()
        key = inner.removesuffix(".name").lower()
        return known.get(key, "\0")

    text = _TEMPLATE.sub(fill, " ".join(clean(name[:MONITOR_NAME_MAX]).split()))
    dropped = "\0" in text
    text = _PRIORITY_TAG.sub("", text)
    text = " ".join(text.replace("\0", " ").split())
    if dropped:
        text = _without_dangling(text.strip(_EDGE_PUNCTUATION)).strip(_EDGE_PUNCTUATION)
    return shorten(text, TITLE_MAX)


def _without_dangling(text: str) -> str:
    """`Disk full on` -> `Disk full`: trailing DANGLING_WORDS off, the first word always kept.

    A word walk from the end, linear in the name; a regex anchored at `$` retried from
    every word was quadratic (60 KB of ` on` took 31 s).
    """
    words = text.split(" ")
    while len(words) > 1 and words[-1].lower() in DANGLING_WORDS:
        words.pop()
    return " ".join(words)


def choose_title(alert: AlertMessage, monitor: Monitor | None) -> str:
    """The alert's rendered title wins: Datadog already filled the variables in it."""
    rendered = _PRIORITY_TAG.sub("", " ".join(clean(alert.title).split()))
    if rendered:
        return shorten(rendered, TITLE_MAX)
    if monitor is None:
        return ""
    link_group = alert.primary.group if alert.primary is not None else None
    return render_name(monitor.name, (*alert.groups, *([link_group] if link_group else [])))


def choose_severity(
    monitor: Monitor | None,
    mapping: MonitorSeverity,
    severities: Collection[str] | None = None,
) -> str | None:
    """The severity for the monitor's priority, or None to keep the form's default."""
    if monitor is None or monitor.priority is None:
        return None
    value = mapping.get(monitor.priority)
    if value is None or (severities is not None and value not in severities):
        return None
    return value


def _norm(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


def _names(field_: OrgField) -> set[str]:
    return {_norm(field_.name), _norm(field_.display_name)} - {""}


def _matches(key: str, field_: OrgField) -> bool:
    """`service` matches `services`, `services` matches `service`, `class` matches `classes`."""
    key = _norm(key)
    forms = {key, key + "s", key + "es"}
    for suffix in ("es", "s"):
        if key.endswith(suffix) and len(key) > len(suffix):
            forms.add(key[: -len(suffix)])
    return bool(forms & _names(field_))


def _accepted(field_: OrgField, value: str) -> str | None:
    """The value as the field stores it, or None when the field would refuse it."""
    if field_.choices:
        lowered = value.lower()
        for choice in field_.choices:
            if lowered in (choice.value.lower(), choice.label.lower()):
                return choice.value
        return None
    if field_.kind is FieldKind.NUMBER:
        return value if _NUMBER.fullmatch(value) else None
    if field_.kind is FieldKind.DATETIME:
        return None
    return value


def match_tags(
    tags: Sequence[str], fields: Sequence[OrgField]
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """({field name: values}, unmatched tags): each tag goes to the first field that takes it."""
    filled: dict[str, list[str]] = {}
    unmatched: list[str] = []
    usable = [f for f in fields if f.name not in HIDDEN_FIELDS]
    for tag in dict.fromkeys(" ".join(clean(t).split()) for t in tags[:TAGS_MAX]):
        if not tag:
            continue
        key, colon, value = (part.strip() for part in tag.partition(":"))
        placed = False
        if colon and key and value and len(value) <= TAG_VALUE_MAX:
            for candidate in usable:
                if not _matches(key, candidate):
                    continue
                accepted = _accepted(candidate, value)
                taken = filled.setdefault(candidate.name, [])
                if accepted is None or (taken and not candidate.multi):
                    continue
                if accepted not in taken:
                    taken.append(accepted)
                placed = True
                break
        if not placed:
            unmatched.append(tag)
    values = {name: tuple(found) for name, found in filled.items() if found}
    return values, tuple(unmatched)


def prefill(
    alert: AlertMessage,
    monitor: Monitor | None,
    *,
    severity_map: MonitorSeverity,
    fields: Sequence[OrgField] = (),
    severities: Collection[str] | None = None,
    message_link: str | None = None,
    not_read: str | None = None,
) -> MonitorPrefill:
    """The form's values from the alert and, when it could be read, the monitor.

    `fields` are the incident type's fields (`OrgConfig.fields_for`); `severities` the values
    the form offers; `message_link` the alert message's permalink; `not_read` why the monitor
    could not be read, for the timeline.
    """
    tags = monitor.tags if monitor is not None else ()
    values, unmatched = match_tags(tags, fields)
    recovered = alert.recovered or (monitor is not None and monitor.recovered)
    title = choose_title(alert, monitor)
    return MonitorPrefill(
        title=title,
        severity=choose_severity(monitor, severity_map, severities),
        fields=values,
        unmatched_tags=unmatched,
        recovered=recovered,
        timeline=timeline_markdown(
            alert,
            monitor,
            title=title,
            message_link=message_link,
            unmatched_tags=unmatched,
            not_read=not_read,
        ),
    )
