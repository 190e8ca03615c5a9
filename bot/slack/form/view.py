"""The declare form as the org configures it: types, fields, severities. Pure: the org
configuration comes in (None when it couldn't be had in time), the view goes out.

Used by /declare, the message shortcut, "declare anyway" and a change of incident type.

Drawing the whole form is most of what /declare does before views.open (about 170 µs
of the 250 µs between Bolt's dispatch and views.open, by bench/ and a profile), yet only
the title, the commander, "What's happening" and the metadata differ from one person's
form to the next. So the rest is drawn once per org configuration and kept: a form is
that skeleton with those blocks drawn anew. The returned view shares the skeleton's
block dicts: callers send it, they never change it in place.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import Any

from bot.domain.declaration import Origin
from bot.domain.org import FieldKind, OrgConfig
from bot.slack.form.blocks import (
    ORG_BLOCKS_AT,
    PERSONAL_BLOCKS,
    built_in_blocks,
    context_block,
    form_view,
)
from bot.slack.form.metadata import Metadata, encode, fits
from bot.slack.form.org_fields import MAX_BLOCKS, block_id_of, org_blocks, with_org_severities
from bot.slack.form.prefill import FormPrefill

log = logging.getLogger(__name__)

FALLBACK_NOTICE = (
    "Your organization's incident types and fields couldn't be read from Datadog just now, "
    "so this form has the standard fields only."
)


def _fitted_metadata(
    meta: Metadata, blocks: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """The encoded metadata and the org blocks: the last fields go if their kinds don't fit."""
    kinds = dict(meta.kinds)
    text = encode(meta)
    while not fits(text) and kinds:
        name, _ = kinds.popitem()
        blocks = [b for b in blocks if b.get("block_id") != block_id_of(name)]
        text = encode(replace(meta, kinds=kinds))
    if len(kinds) < len(meta.kinds):
        log.warning("only %d of %d org fields fit the form's metadata", len(kinds), len(meta.kinds))
    return text, blocks


SKELETONS_KEPT = 32
"""Skeletons kept at once: one per org configuration, type and notice set in use."""


@dataclass(frozen=True)
class _Skeleton:
    config: OrgConfig | None
    """Held so that its id in the key can't be reused by another configuration."""
    blocks: tuple[dict[str, Any], ...]
    kinds: dict[str, FieldKind]


_skeletons: dict[tuple[object, ...], _Skeleton] = {}
_skeletons_lock = threading.Lock()


def declare_form(
    config: OrgConfig | None,
    prefill: FormPrefill,
    origin: Origin,
    *,
    type_id: str | None = None,
    context_links: tuple[str, ...] = (),
    notices: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The form for `type_id` (or the default type); the built-in form when `config` is None."""
    skeleton = _skeleton(config, prefill, type_id, notices)
    meta = Metadata(origin=origin, context_links=context_links, kinds=skeleton.kinds)
    metadata = encode(meta)
    if fits(metadata):
        return form_view([_personal(block, prefill) for block in skeleton.blocks], metadata)
    # Rare: the last org fields must go for the metadata to fit; draw the form anew.
    notice_blocks, built_in, org, kinds = _draw(config, prefill, type_id, notices)
    metadata, org = _fitted_metadata(replace(meta, kinds=kinds), org)
    return form_view(_assemble(notice_blocks, built_in, org), metadata)


def _personal(block: dict[str, Any], prefill: FormPrefill) -> dict[str, Any]:
    draw = PERSONAL_BLOCKS.get(block.get("block_id", ""))
    return draw(prefill) if draw else block


def _skeleton(
    config: OrgConfig | None,
    prefill: FormPrefill,
    type_id: str | None,
    notices: tuple[str, ...],
) -> _Skeleton:
    """The form without what differs between people, drawn once per configuration."""
    key = (
        id(config),
        type_id,
        notices,
        prefill.severity,
        prefill.default_handles,
        prefill.severities,
        tuple(sorted(prefill.severity_labels.items())),
    )
    with _skeletons_lock:
        found = _skeletons.get(key)
    if found is not None and found.config is config:
        return found
    neutral = prefill.model_copy(update={"title": "", "summary": "", "commander_id": ""})
    notice_blocks, built_in, org, kinds = _draw(config, neutral, type_id, notices)
    made = _Skeleton(config, tuple(_assemble(notice_blocks, built_in, org)), kinds)
    with _skeletons_lock:
        if len(_skeletons) >= SKELETONS_KEPT:
            _skeletons.clear()
        _skeletons[key] = made
    return made


Blocks = list[dict[str, Any]]


def _draw(
    config: OrgConfig | None,
    prefill: FormPrefill,
    type_id: str | None,
    notices: tuple[str, ...],
) -> tuple[Blocks, Blocks, Blocks, dict[str, FieldKind]]:
    """(notice blocks, built-in blocks, org blocks, org field kinds), all drawn."""
    shown_notices = [*notices, FALLBACK_NOTICE] if config is None else list(notices)
    org: Blocks = []
    kinds: dict[str, FieldKind] = {}
    if config is None:
        built_in = built_in_blocks(prefill)
    else:
        chosen = config.resolve_type(type_id)
        chosen_id = chosen.id if chosen else None
        built_in = built_in_blocks(with_org_severities(prefill, config.severity_field(chosen_id)))
        room = MAX_BLOCKS - len(built_in) - len(shown_notices)
        org, kinds = org_blocks(config, chosen_id, room)
    notice_blocks = [context_block(notice) for notice in reversed(shown_notices)]
    return notice_blocks, built_in, org, kinds


def _assemble(notice_blocks: Blocks, built_in: Blocks, org: Blocks) -> Blocks:
    return [*notice_blocks, *built_in[:ORG_BLOCKS_AT], *org, *built_in[ORG_BLOCKS_AT:]]
