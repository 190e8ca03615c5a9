"""The declare form as the org configures it: types, fields, severities. Pure: the org
configuration comes in (None when it couldn't be had in time), the view goes out.

Used by /declare, the message shortcut, "declare anyway" and a change of incident type.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.domain.declaration import Origin
from bot.domain.org import FieldKind, OrgConfig
from bot.slack.form.blocks import (
    ORG_BLOCKS_AT,
    built_in_blocks,
    context_block,
    context_links_block,
    form_view,
)
from bot.slack.form.metadata import Metadata, decode, encode, fits
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
    metadata, org = _fitted_metadata(
        Metadata(
            origin=origin, context_links=context_links, kinds=kinds, monitor_cell=monitor_cell
        ),
        org,
    )
    travelling = decode(metadata).context_links if context_links else ()
    blocks = [
        *(context_block(notice) for notice in reversed(shown_notices)),
        *([context_links_block(travelling)] if travelling else []),
        *built_in[:ORG_BLOCKS_AT],
        *org,
        *built_in[ORG_BLOCKS_AT:],
    ]
    return form_view(blocks, metadata)
