"""The only codec of the declare views' private_metadata: written when a view is drawn,
decoded once per request that comes back from it.

Flat JSON with the Origin's keys at the top level (the Origin model ignores the others):
  context_links          Datadog links found in the source message (message shortcut)
  udf                    {field name: kind} of the org fields shown: how to read each answer
  prefill_title/summary  the duplicate notice only: to open the form when asked
  monitor_cell           the timeline cell about the monitor alert declared from

Slack allows 3000 characters. When that is exceeded the monitor cell is shortened first
(its runbook quote is last, so it goes first), then the summary (to 500), then links and
the permalink are dropped, then the rest of the summary and the title. The field kinds
are never dropped: the form shows only the fields whose kinds fit (bot/slack/declare/form/view.py).

Signed: the last key, `sig`, is an HMAC of everything before it, keyed from the app's Slack
secret (`use_key`, called by create_app). The metadata names the channel the form was opened
in and the person it was opened for; Slack sends it back as the client holds it, so a copy
that was rewritten (another channel, another person, other links) is refused as not ours.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from bot.domain.incident.declaration import Origin, shorten
from bot.domain.incident.org import FieldKind
from bot.domain.monitor.links import parse_context_link
from bot.slack.common import payload

METADATA_MAX = 3000
"""Slack's limit on private_metadata."""

KINDS = frozenset(FieldKind)
SIG = re.compile(r',"sig":"([0-9a-f]{32})"\}$')
_key = secrets.token_bytes(32)
"""Until `use_key`: per process, so nothing unsigned by this app's secret is accepted."""
LINKS_MAX = 10
SUMMARY_KEPT = 500
"""The summary is shortened to this before anything else is dropped."""
MONITOR_CELL_KEPT = 600
"""The monitor cell is shortened to this first: its heading, state and query stay."""


@dataclass(frozen=True)
class Metadata:
    origin: Origin
    context_links: tuple[str, ...] = ()
    kinds: dict[str, FieldKind] = field(default_factory=dict)
    """The org fields shown, by name, and the kind of answer each takes."""
    title: str = ""
    summary: str = ""
    monitor_cell: str = ""


_ORIGIN_DEFAULTS = {
    name: info.default for name, info in Origin.model_fields.items() if not info.is_required()
}
_REQUIRED = object()


def _origin_fields(origin: Origin) -> dict[str, Any]:
    """What `origin.model_dump(mode="json", exclude_defaults=True)` gives (its fields are
    strings or None), read straight from the model: pydantic's serializer is cold code on
    /declare's path to views.open, and took most of the 80 µs this encoding took there."""
    return {
        name: value
        for name, value in origin.__dict__.items()
        if value != _ORIGIN_DEFAULTS.get(name, _REQUIRED)
    }


def _dump(meta: Metadata) -> str:
    data = _origin_fields(meta.origin)
    if meta.context_links:
        data["context_links"] = list(meta.context_links)
    if meta.kinds:
        data["udf"] = meta.kinds
    if meta.title:
        data["prefill_title"] = meta.title
    if meta.summary:
        data["prefill_summary"] = meta.summary
    if meta.monitor_cell:
        data["monitor_cell"] = meta.monitor_cell
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return body[:-1] + f',"sig":"{_sign(body)}"}}'


def use_key(secret: str) -> None:
    """Sign with a key derived from the app's Slack secret (the same on every replica)."""
    global _key
    _key = hmac.new(secret.encode(), b"declare-bot private_metadata v1", hashlib.sha256).digest()


def _sign(body: str) -> str:
    return hmac.new(_key, body.encode(), hashlib.sha256).hexdigest()[:32]


def _verified(text: str) -> str:
    """The signed JSON without its signature; ValueError when unsigned or altered."""
    found = SIG.search(text)
    if found is None:
        raise ValueError("unsigned private_metadata")
    body = text[: found.start()] + "}"
    if not hmac.compare_digest(found.group(1), _sign(body)):
        raise ValueError("altered private_metadata")
    return body


def _smaller(meta: Metadata, excess: int) -> Metadata | None:
    """One step down in size, least useful first; None when nothing is left to drop."""
    keep = len(meta.summary) - excess - 8  # escaping may make the JSON longer still
    if len(meta.monitor_cell) > MONITOR_CELL_KEPT:
        # JSON escapes newlines and quotes: cut by the excess, plus a margin for them.
        cut = len(meta.monitor_cell) - excess - excess // 4 - 16
        return replace(meta, monitor_cell=shorten(meta.monitor_cell, max(MONITOR_CELL_KEPT, cut)))
    if len(meta.summary) > SUMMARY_KEPT:
        return replace(meta, summary=shorten(meta.summary, max(SUMMARY_KEPT, keep)))
    if meta.context_links:
        return replace(meta, context_links=meta.context_links[:-1])
    if meta.origin.source_permalink:
        return replace(meta, origin=meta.origin.model_copy(update={"source_permalink": None}))
    if meta.summary:
        return replace(meta, summary=shorten(meta.summary, keep) if keep > 40 else "")
    if len(meta.title) > 40:
        return replace(meta, title=shorten(meta.title, max(40, len(meta.title) - excess - 8)))
    return None


def encode(meta: Metadata) -> str:
    """At most METADATA_MAX characters, unless the kinds alone are too many (see fits)."""
    data = _dump(meta)
    while len(data) > METADATA_MAX:
        smaller = _smaller(meta, len(data) - METADATA_MAX)
        if smaller is None:
            break
        meta = smaller
        data = _dump(meta)
    return data


def fits(text: str) -> bool:
    return len(text) <= METADATA_MAX


def _links(links: object) -> tuple[str, ...]:
    """Links as they come back from Slack, checked again: only rebuilt Datadog links pass."""
    if not isinstance(links, list):
        return ()
    checked = (parse_context_link(x) for x in links[:LINKS_MAX] if isinstance(x, str))
    return tuple(dict.fromkeys(x for x in checked if x))


def decode(text: str) -> Metadata:
    """Raises ValidationError (or ValueError) when the metadata is not ours."""
    text = _verified(text)
    origin = Origin.model_validate_json(text)
    data = json.loads(text)
    links = data.get("context_links")
    kinds = payload.obj(data, "udf")
    return Metadata(
        origin=origin,
        context_links=_links(links),
        kinds={k: FieldKind(v) for k, v in kinds.items() if isinstance(v, str) and v in KINDS},
        title=payload.string(data, "prefill_title"),
        summary=payload.string(data, "prefill_summary"),
        monitor_cell=payload.string(data, "monitor_cell"),
    )


def decode_or_none(text: str) -> Metadata | None:
    try:
        return decode(text)
    except (ValidationError, ValueError):
        return None


def of_view(view: dict[str, Any]) -> Metadata | None:
    """A view's metadata, or None when it is missing or not ours."""
    return decode_or_none(payload.string(view, "private_metadata"))


def signed(body: str) -> str:
    """A JSON object's text with this app's signature added (the update modals use it too)."""
    return body[:-1] + f',"sig":"{_sign(body)}"}}'


def verified(text: str) -> str:
    """`signed`'s inverse; ValueError when unsigned or altered."""
    return _verified(text)
