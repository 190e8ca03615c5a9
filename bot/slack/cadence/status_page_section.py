"""The Post update modal's "Publish on the status page": its blocks, its state read into a
notice, and the section the modal is given (`StatusPageSection`).

Pure builders and one reader: a "Publish" checkbox first, then the page's components with
their status now, the impact to give the chosen ones, the notice's status, a public title
and a public message, prefilled from the notice already published for the incident. The
`cadence` feature's modal takes the section from `Services.status_sections` (its
`ModalSection`, bot/slack/common/sections.py); the composition root puts it there when
DECLARE_STATUS_PAGE is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.domain.cadence.publish import PageCache, publish_chore
from bot.domain.cadence.status_page import (
    MESSAGE_MAX,
    TITLE_MAX,
    AffectedComponent,
    ComponentStatus,
    Notice,
    NoticeStatus,
    StatusPage,
)
from bot.domain.cadence.update import StatusUpdate
from bot.domain.lifecycle.chores import ChoreRunner
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.common.mrkdwn import safe, verbatim
from bot.slack.declare.form.blocks import checkbox, input_block, option, text_input
from bot.slack.declare.form.state import checked, selected_many, selected_of, text_of

log = logging.getLogger(__name__)

HEADER = "sp_header"
PUBLISH = "sp_publish"
COMPONENTS = "sp_components"
IMPACT = "sp_impact"
STATUS = "sp_status"
TITLE = "sp_title"
MESSAGE = "sp_message"
OPTIONS_MAX = 100
"""Slack's limit on a select's options: a page with more shows its first hundred."""
IMPACTS = (
    ComponentStatus.DEGRADED,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
    ComponentStatus.OPERATIONAL,
)
NO_COMPONENTS = "Choose the components people see affected."
NO_MESSAGE = "Write what the public should read."
NO_TITLE = "Give the notice a title."
UNKNOWN_COMPONENT = "A chosen component is no longer on the page; choose again."


def _component_option(page: StatusPage, component_id: str) -> dict[str, Any]:
    found = page.component(component_id)
    label = f"{found.label} · {found.status.label}" if found else component_id
    return option(component_id, label)


def _select(options: list[dict[str, Any]], initial: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def section_blocks(page: StatusPage, card: IncidentCard) -> list[dict[str, Any]]:
    """The section for `card`'s incident: the Publish checkbox first, then inputs that may
    be left empty while it is not ticked (`read_section` asks for them when it is)."""
    kept = (
        card.status_notice if card.status_notice and card.status_notice.page_id == page.id else None
    )
    page_name = safe(page.name, 200)
    where = f"<{page.url}|{page_name}>" if page.url else f"*{page_name}*"
    said = (
        f"Changes the notice published there ({safe(NoticeStatus(kept.status).label, 40)})."
        if kept
        else "Publishes a new public notice there."
    )
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        {
            "type": "section",
            "block_id": HEADER,
            "text": verbatim(f"*Publish on the status page* {where}\n{said}"),
        },
    ]
    label = "Update the public notice" if kept else "Publish a public notice"
    blocks.append(input_block(PUBLISH, "Status page", checkbox(label), optional=True))
    components = [_component_option(page, c.id) for c in page.components[:OPTIONS_MAX]]
    chosen = [o for o in components if kept and o["value"] in kept.components]
    select: dict[str, Any] = {"type": "multi_static_select", "options": components}
    if chosen:
        select["initial_options"] = chosen
    if components:
        blocks.append(
            input_block(
                COMPONENTS,
                "Affected components",
                select,
                optional=True,
                hint="Each with its status on the page when it was last read.",
            )
        )
    worst = max(
        (ComponentStatus(s) for s in (kept.components.values() if kept else ())),
        key=IMPACTS.index,
        default=ComponentStatus.DEGRADED,
    )
    blocks += [
        input_block(
            IMPACT,
            "Their status",
            _select([option(s.value, s.label) for s in IMPACTS], worst.value),
            optional=True,
        ),
        input_block(
            STATUS,
            "Notice status",
            _select(
                [option(s.value, s.label) for s in NoticeStatus],
                kept.status if kept else NoticeStatus.INVESTIGATING.value,
            ),
            optional=True,
        ),
        input_block(
            TITLE,
            "Public title",
            text_input(initial=kept.title if kept else card.shown.title, max_length=TITLE_MAX),
            optional=True,
        ),
        input_block(
            MESSAGE,
            "Public message",
            text_input(
                multiline=True,
                max_length=MESSAGE_MAX,
                placeholder="What customers should know. Shown on the public page.",
            ),
            optional=True,
            hint="Public: no internal names, hosts or customers.",
        ),
    ]
    return blocks


@dataclass(frozen=True)
class SectionAnswer:
    """The section's state as typed (nothing interpreted yet)."""

    publish: bool
    components: tuple[str, ...]
    impact: str
    status: str
    title: str
    message: str


def section_answer(values: dict[str, Any]) -> SectionAnswer:
    return SectionAnswer(
        publish=checked(values, PUBLISH),
        components=selected_many(values, COMPONENTS),
        impact=selected_of(values, IMPACT),
        status=selected_of(values, STATUS),
        title=text_of(values, TITLE).strip(),
        message=text_of(values, MESSAGE).strip(),
    )


def read_section(
    values: dict[str, Any], page: StatusPage, card: IncidentCard
) -> tuple[Notice | None, dict[str, str]]:
    """(the notice to publish, or None when not asked; errors by block id). A resolved
    notice shows every chosen component operational again."""
    answer = section_answer(values)
    if not answer.publish:
        return None, {}
    errors: dict[str, str] = {}
    if not answer.components and page.components:
        errors[COMPONENTS] = NO_COMPONENTS
    if any(page.component(c) is None for c in answer.components):
        errors[COMPONENTS] = UNKNOWN_COMPONENT
    if not answer.title:
        errors[TITLE] = NO_TITLE
    if not answer.message:
        errors[MESSAGE] = NO_MESSAGE
    if errors:
        return None, errors
    known = {s.value for s in NoticeStatus}
    status = NoticeStatus(answer.status) if answer.status in known else NoticeStatus.INVESTIGATING
    impacts = {s.value for s in ComponentStatus}
    impact = (
        ComponentStatus(answer.impact) if answer.impact in impacts else ComponentStatus.DEGRADED
    )
    if status is NoticeStatus.RESOLVED:
        impact = ComponentStatus.OPERATIONAL
    affected = tuple(
        AffectedComponent(id=c, status=impact, name=getattr(page.component(c), "name", ""))
        for c in answer.components
    )
    notice = Notice(
        incident_id=card.incident_id,
        title=answer.title,
        message=answer.message,
        status=status,
        components=affected,
    )
    return notice, {}


def section_text(notice: Notice) -> str:
    """One plain line of what is published, e.g. "Investigating · Login: Major outage"."""
    parts = [notice.status.label]
    parts += [f"{c.name or c.id}: {c.status.label}" for c in notice.components]
    return " · ".join(parts)


READING = "Publish on the status page: reading the page's components… Open the form again."


class StatusPageSection:
    """The Post update modal's "Publish on the status page": a section of that modal (the
    `cadence` feature's `ModalSection`, bot/slack/common/sections.py), given to it by the
    composition root. Its blocks come from the page as last read (never a read while
    Slack's trigger runs); a page never read, or read over `PageCache.ttl` ago, is read
    again in the background."""

    def __init__(
        self,
        pages: PageCache,
        chores: ChoreRunner,
        in_background: Callable[[Callable[[], object]], object],
    ) -> None:
        self.pages = pages
        self.chores = chores
        self.in_background = in_background

    def _refresh(self) -> None:
        def read() -> None:
            try:
                self.pages.read()
            except StepFailed as exc:
                log.warning("reading the status page failed: %s", exc.reason)

        try:
            self.in_background(read)
        except Exception:  # noqa: BLE001 - a busy pool: the next open tries again
            log.info("the status page read was not started (busy)")

    def blocks(self, card: IncidentCard) -> list[dict[str, Any]]:
        page = self.pages.last()
        if self.pages.peek() is None:
            self._refresh()
        if card.shown.resolved:
            return []
        if page is None:
            problem = self.pages.problem
            said = f":x: Publish on the status page: {safe(problem, 2800)}" if problem else READING
            return [{"type": "divider"}, {"type": "context", "elements": [verbatim(said)]}]
        return section_blocks(page, card)

    def errors(self, card: IncidentCard, values: dict[str, Any]) -> dict[str, str]:
        page = self.pages.last()
        if page is None:  # no checkbox was shown: nothing can be asked
            return {}
        return read_section(values, page, card)[1]

    def accepted(
        self, card: IncidentCard, update: StatusUpdate, values: dict[str, Any], submission_key: str
    ) -> None:
        """Store the publish (keyed by the status update's submission) and start it."""
        page = self.pages.last()
        notice = read_section(values, page, card)[0] if page else None
        if page is None or notice is None:
            return
        chore = publish_chore(
            card, update.actor_id, notice, "status", submission_key, page_url=page.url
        )
        if self.chores.submit(chore):
            log.info("publish with the status update on %s accepted", card.incident_id)
