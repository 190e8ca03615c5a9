"""Who to page: a Datadog team (an external select over Datadog's teams) or a person (a
Slack user, resolved by email to their Datadog user as the commander is).

Shared by the declare form's optional "Page" fields and the card's Page modal
(bot/slack/responders/page_modal.py): the same blocks, read in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.responders.paging import Team
from bot.slack.common import ids, payload
from bot.slack.common.mrkdwn import OPTION_MAX, cut
from bot.slack.declare.form.blocks import option, person_block, team_block
from bot.slack.declare.form.state import _element, selected_user

__all__ = ["PageChoice", "person_block", "read_page_choice", "team_block", "team_options"]

TEAM_OPTIONS_MAX = 100
"""Slack shows at most 100 options in an external select."""
BOTH = "Page a team or a person, not both."
NEITHER = "Choose a team or a person to page."


def team_options(teams: list[Team]) -> list[dict[str, Any]]:
    """The external select's options: the team's name, and its handle as the value."""
    shown = []
    for team in teams[:TEAM_OPTIONS_MAX]:
        label = team.name if team.name == team.handle else f"{team.name} ({team.handle})"
        shown.append(option(team.handle, cut(label, OPTION_MAX)))
    return shown


@dataclass(frozen=True)
class PageChoice:
    """What was chosen: a team (handle and the option's text), a person, or nothing."""

    team_handle: str = ""
    team_label: str = ""
    person: str = ""

    @property
    def empty(self) -> bool:
        return not self.team_handle and not self.person

    def problem(self, *, required: bool) -> str | None:
        if self.team_handle and self.person:
            return BOTH
        if required and self.empty:
            return NEITHER
        return None


def read_page_choice(values: dict[str, Any]) -> PageChoice:
    chosen = payload.obj(_element(values, ids.PAGE_TEAM_BLOCK), "selected_option")
    label = payload.string(payload.obj(chosen, "text"), "text")
    return PageChoice(
        team_handle=payload.string(chosen, "value"),
        team_label=label.rsplit(" (", 1)[0] if label.endswith(")") else label,
        person=selected_user(values, ids.PAGE_PERSON_BLOCK),
    )
