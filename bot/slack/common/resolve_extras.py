"""What a higher feature adds to the resolve modal: the hook, injected by the composition root.

The lifecycle (bot/slack/lifecycle/update_form.py, update_submission.py) sits below the
features that follow a resolve (the postmortem, in bot/slack/record/), so it can't import
them; `Services.resolve_extras` hands it each one's `ResolveExtra` (bot/services.py). An
extra adds its inputs to the modal and, once the resolve is stored and before the ack,
stores what it must not lose; what it returns runs after the ack, like the resolve itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from bot.domain.lifecycle.record import IncidentCard, UpdateJob

if TYPE_CHECKING:
    from bot.slack.common.context import Services

log = logging.getLogger(__name__)

Start = Callable[[], None]


class ResolveExtra(Protocol):
    def blocks(self, services: Services, card: IncidentCard) -> list[dict[str, Any]]:
        """Input blocks added to the resolve modal (none: nothing offered)."""
        ...

    def accepted(
        self, services: Services, job: UpdateJob, card: IncidentCard, view: dict[str, Any]
    ) -> Start | None:
        """The resolve `job` is stored: store what the submitted `view` asks for (before the
        ack, so it is never lost), and return what starts it after the ack."""
        ...


def extra_blocks(services: Services, card: IncidentCard) -> list[dict[str, Any]]:
    """Each extra's blocks; one that fails is logged, and the modal opens without it."""
    blocks: list[dict[str, Any]] = []
    for extra in services.resolve_extras:
        try:
            blocks += extra.blocks(services, card)
        except Exception:  # an offer is a courtesy: the resolve goes on without it
            log.warning("a resolve extra failed: %s", type(extra).__name__, exc_info=True)
    return blocks


def accept_extras(
    services: Services, job: UpdateJob, card: IncidentCard, view: dict[str, Any]
) -> Sequence[Start]:
    """Each extra's stored work; one that fails is logged, and the resolve goes on."""
    starts: list[Start] = []
    for extra in services.resolve_extras:
        try:
            start = extra.accepted(services, job, card, view)
        except Exception:  # the resolve is stored: it must not fail for an extra
            log.exception("a resolve extra failed")
            continue
        if start is not None:
            starts.append(start)
    return starts
