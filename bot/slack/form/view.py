"""The declare form as the org configures it: types, fields, severities; never waiting long.

Used by /declare, the message shortcut, "declare anyway" and a change of incident type.
The org configuration comes from the cache; when it can't be had within
`services.org_config_wait` seconds the form shows the built-in fields (and says so),
because Slack's trigger_id expires 3 seconds after the command.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.domain.declaration import Origin
from bot.domain.org import OrgConfig
from bot.services import Services
from bot.slack.form.blocks import ModalPrefill, declare_modal
from bot.slack.form.metadata import Metadata, encode
from bot.slack.form.org_fields import MAX_BLOCKS, org_blocks, with_org_severities

log = logging.getLogger(__name__)

FALLBACK_NOTICE = (
    "Your organization's incident types and fields couldn't be read from Datadog just now, "
    "so this form has the standard fields only."
)


def prefill_for(
    services: Services, user_id: str, title: str = "", summary: str = ""
) -> ModalPrefill:
    """The form's starting values: the title typed, the settings' defaults, you as commander."""
    settings = services.settings
    return ModalPrefill(
        title=title,
        summary=summary,
        severity=settings.default_severity,
        commander_id=user_id,
        default_handles=tuple(settings.default_handles),
    )


def render(
    config: OrgConfig | None,
    prefill: ModalPrefill,
    origin: Origin,
    *,
    type_id: str | None = None,
    context_links: tuple[str, ...] = (),
    notices: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The form for `type_id` (or the default type); the built-in form when `config` is None."""
    shown_notices = list(notices)
    blocks: list[dict[str, Any]] = []
    kinds: dict[str, str] = {}
    if config is None:
        shown_notices.append(FALLBACK_NOTICE)
    else:
        chosen = config.resolve_type(type_id)
        chosen_id = chosen.id if chosen else None
        prefill = with_org_severities(prefill, config.severity_field(chosen_id))
        built_in = len(declare_modal(prefill, origin, notices=shown_notices)["blocks"])
        blocks, kinds = org_blocks(config, chosen_id, MAX_BLOCKS - built_in)
    metadata = encode(Metadata(origin=origin, context_links=context_links, kinds=kinds))
    return declare_modal(
        prefill, origin, org_blocks=blocks, notices=shown_notices, metadata=metadata
    )


def declare_view(
    services: Services,
    prefill: ModalPrefill,
    origin: Origin,
    *,
    type_id: str | None = None,
    context_links: tuple[str, ...] = (),
    notices: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The form, with the org's configuration if it can be had within the ack-path budget."""
    config = services.org_config.get(timeout=services.org_config_wait)
    if config is None:
        log.warning("org config unavailable: the form shows the built-in fields only")
    return render(
        config,
        prefill,
        origin,
        type_id=type_id,
        context_links=context_links,
        notices=notices,
    )
