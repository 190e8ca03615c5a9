"""The one private_metadata codec of the update and resolve modals, bounded by Slack's 3000.

Signed like the declare form's (bot/slack/declare/form/metadata.py): a rewritten card key or
snapshot is refused, so the incident always comes from what the bot wrote.

It carries the card's key (which incident), the snapshot the modal SHOWED (what an update
is judged against) and the kinds of the org fields shown. When that is too long, long texts
(title, scope, field values) are replaced by digests, which still tell "unchanged" from
"changed": on submit a digest is put back by whichever value (submitted or Datadog's current)
has it. If it still does not fit, the org fields are left out of the modal.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.domain.incident.declaration import CustomField
from bot.domain.incident.org import FieldKind
from bot.domain.incident.state import IncidentView
from bot.slack.declare.form.metadata import signed, verified

METADATA_MAX = 3000
DIGEST = "\x00sha256:"
"""Marks a digested value; no real text starts with NUL (clean() strips it)."""
SHORT = 40


@dataclass(frozen=True)
class UpdateMeta:
    card_key: str
    snapshot: IncidentView | None = None
    commander_slack_id: str = ""
    kinds: dict[str, FieldKind] = field(default_factory=dict)


def digest(text: str) -> str:
    return DIGEST + hashlib.sha256(text.encode()).hexdigest()[:32]


def _squeeze(text: str | None) -> str | None:
    return digest(text) if text and len(text) > SHORT else text


def _squeezed(view: IncidentView) -> IncidentView:
    fields = tuple(
        CustomField(name=f.name, kind=f.kind, values=tuple(_squeeze(v) or "" for v in f.values))
        for f in view.fields
    )
    return view.model_copy(
        update={
            "title": _squeeze(view.title) or "",
            "customer_impact_scope": _squeeze(view.customer_impact_scope),
            "fields": fields,
        }
    )


def _dump(meta: UpdateMeta) -> str:
    data: dict[str, Any] = {"c": meta.card_key}
    if meta.snapshot is not None:
        data["s"] = json.loads(
            meta.snapshot.model_dump_json(
                exclude_defaults=True, exclude={"url", "last_modified_by"}
            )
        )
    if meta.commander_slack_id:
        data["u"] = meta.commander_slack_id
    if meta.kinds:
        data["k"] = meta.kinds
    return signed(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def fit(meta: UpdateMeta) -> tuple[UpdateMeta, str]:
    """The metadata as it will travel (maybe squeezed, maybe without org fields) and its text."""
    text = _dump(meta)
    if len(text) <= METADATA_MAX or meta.snapshot is None:
        return meta, text
    meta = UpdateMeta(meta.card_key, _squeezed(meta.snapshot), meta.commander_slack_id, meta.kinds)
    text = _dump(meta)
    if len(text) <= METADATA_MAX:
        return meta, text
    bare = meta.snapshot.model_copy(update={"fields": ()}) if meta.snapshot else None
    meta = UpdateMeta(meta.card_key, bare, meta.commander_slack_id, {})
    return meta, _dump(meta)


def decode(text: str) -> UpdateMeta | None:
    try:
        data = json.loads(verified(text))
        snapshot = IncidentView.model_validate(data["s"]) if "s" in data else None
        kinds = {str(k): FieldKind(v) for k, v in (data.get("k") or {}).items()}
        return UpdateMeta(str(data["c"]), snapshot, str(data.get("u") or ""), kinds)
    except (ValueError, KeyError, TypeError, ValidationError):
        return None


def _back(shown: str | None, *candidates: str | None) -> str | None:
    if not shown or not shown.startswith(DIGEST):
        return shown
    return next((c for c in candidates if c and digest(c) == shown), shown)


def restore(
    snapshot: IncidentView,
    title: str,
    scope: str,
    answers: dict[str, tuple[str, ...]],
    current: IncidentView,
) -> IncidentView:
    """The snapshot with digests put back by the submitted or the current value matching them."""
    fields = []
    for f in snapshot.fields:
        mine = answers.get(f.name, ()) + current.values_of(f.name)
        fields.append(
            CustomField(
                name=f.name, kind=f.kind, values=tuple(_back(v, *mine) or "" for v in f.values)
            )
        )
    return snapshot.model_copy(
        update={
            "title": _back(snapshot.title, title, current.title) or "",
            "customer_impact_scope": _back(
                snapshot.customer_impact_scope, scope, current.customer_impact_scope
            ),
            "fields": tuple(fields),
        }
    )
