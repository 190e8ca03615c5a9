"""The declare form as the org configures it: types, fields, severities. Pure: the org
configuration comes in (None when it couldn't be had in time), the view goes out.

Used by /declare, the message shortcut, "declare anyway" and a change of incident type.

Drawing the whole form was most of what /declare did before views.open (about 170 µs of
the 250 µs between Bolt's dispatch and views.open, in process), yet only the title, the
commander, "What's happening" and the metadata differ from one person's plain form to
the next. So a plain form (no context links, field values or monitor cell: /declare) is
a skeleton drawn once per org configuration with those blocks drawn anew. The returned
view shares the skeleton's block dicts: callers send it, they never change it in place.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.domain.incident.declaration import Origin
from bot.domain.incident.org import FieldKind, OrgConfig
from bot.slack.declare.form.blocks import (
    ORG_BLOCKS_AT,
    PERSONAL_BLOCKS,
    built_in_blocks,
    context_block,
    context_links_block,
    form_view,
)
from bot.slack.declare.form.metadata import Metadata, decode, encode, fits
from bot.slack.declare.form.org_fields import (
    MAX_BLOCKS,
    block_id_of,
    org_blocks,
    with_org_severities,
)
from bot.slack.declare.form.prefill import FormPrefill

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


def declare_form(
    config: OrgConfig | None,
    prefill: FormPrefill,
    origin: Origin,
    *,
    type_id: str | None = None,
    context_links: tuple[str, ...] = (),
    notices: tuple[str, ...] = (),
    field_values: Mapping[str, tuple[str, ...]] | None = None,
    monitor_cell: str = "",
) -> dict[str, Any]:
    """The form for `type_id` (or the default type); the built-in form when `config` is None.

    `field_values` start org fields with values (by name); `monitor_cell` travels in the
    metadata to the timeline (declaring from a monitor alert)."""
    if not context_links and field_values is None and not monitor_cell:
        skeleton = _skeleton(config, prefill, type_id, notices)
        metadata = encode(Metadata(origin=origin, kinds=skeleton.kinds))
        if fits(metadata):
            return form_view([_personal(b, prefill) for b in skeleton.blocks], metadata)
    return _draw(
        config, prefill, origin, type_id, context_links, notices, field_values, monitor_cell
    )


def _draw(
    config: OrgConfig | None,
    prefill: FormPrefill,
    origin: Origin | None,
    type_id: str | None,
    context_links: tuple[str, ...],
    notices: tuple[str, ...],
    field_values: Mapping[str, tuple[str, ...]] | None,
    monitor_cell: str,
) -> dict[str, Any]:
    """The whole form, drawn; with no `origin`, no metadata (a skeleton's blocks and kinds)."""
    shown_notices = [*notices, FALLBACK_NOTICE] if config is None else list(notices)
    org: list[dict[str, Any]] = []
    kinds: dict[str, FieldKind] = {}
    if config is None:
        built_in = built_in_blocks(prefill)
    else:
        chosen = config.resolve_type(type_id)
        chosen_id = chosen.id if chosen else None
        built_in = built_in_blocks(with_org_severities(prefill, config.severity_field(chosen_id)))
        room = MAX_BLOCKS - len(built_in) - len(shown_notices) - (1 if context_links else 0)
        org, kinds = org_blocks(config, chosen_id, room, field_values)
    if origin is None:
        return {"blocks": _assemble(shown_notices, (), built_in, org), "kinds": kinds}
    metadata, org = _fitted_metadata(
        Metadata(
            origin=origin, context_links=context_links, kinds=kinds, monitor_cell=monitor_cell
        ),
        org,
    )
    travelling = decode(metadata).context_links if context_links else ()
    return form_view(_assemble(shown_notices, travelling, built_in, org), metadata)


Blocks = list[dict[str, Any]]


def _assemble(notices: list[str], links: tuple[str, ...], built_in: Blocks, org: Blocks) -> Blocks:
    return [
        *(context_block(notice) for notice in reversed(notices)),
        *([context_links_block(links)] if links else []),
        *built_in[:ORG_BLOCKS_AT],
        *org,
        *built_in[ORG_BLOCKS_AT:],
    ]


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


def _personal(block: dict[str, Any], prefill: FormPrefill) -> dict[str, Any]:
    draw = PERSONAL_BLOCKS.get(block.get("block_id", ""))
    return draw(prefill) if draw else block


def _skeleton(
    config: OrgConfig | None,
    prefill: FormPrefill,
    type_id: str | None,
    notices: tuple[str, ...],
) -> _Skeleton:
    """The plain form without what differs between people, drawn once per configuration."""
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
    neutral = replace(prefill, title="", summary="", commander_id="")
    drawn = _draw(config, neutral, None, type_id, (), notices, None, "")
    made = _Skeleton(config, tuple(drawn["blocks"]), drawn["kinds"])
    with _skeletons_lock:
        if len(_skeletons) >= SKELETONS_KEPT:
            _skeletons.clear()
        _skeletons[key] = made
    return made
