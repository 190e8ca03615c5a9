"""The domain's `Pager` (bot/domain/responders/paging.py) over the Datadog client.

Refusals become sentences for the person paging (why, and what to do); everything else is
`step_failed` as for incidents. A page is never resent here: after a lost answer the
failure is ambiguous and the page chore decides (docs/paging.md).
"""

from __future__ import annotations

from bot.datadog.client import DatadogClient
from bot.datadog.errors import DatadogError, DatadogForbidden, DatadogNotFound
from bot.datadog.gateway import budget_failed, step_failed
from bot.datadog.paging_models import IncidentPageRequest, PageAttributes, PageData, PageTarget
from bot.domain.reliability.outcomes import StepFailed
from bot.domain.responders.paging import PageRequest, PageSent, PageTargetKind, Team

TEAMS_BUDGET = 2.0
"""Seconds for one teams read: Slack waits 3 s for an external select's options."""
NO_ON_CALL = (
    "Datadog refused the page: this Datadog org does not have On-Call. Reach the team "
    "another way (their channel, a phone call), or ask a Datadog admin to set up On-Call."
)
NOT_ALLOWED = (
    "Datadog refused the page: the bot's application key (DD_APP_KEY) lacks the "
    "`oncall_page` or `incident_write` permission. Ask the bot's admin to grant both and run "
    "`declare-bot check`; until then, page from Datadog."
)
UNKNOWN_TARGET = {
    PageTargetKind.TEAM_HANDLE: "Datadog has no team {shown}. Choose another team.",
    PageTargetKind.TEAM_UUID: "Datadog has no team {shown}. Choose another team.",
    PageTargetKind.USER_UUID: "Datadog has no user {shown} any more. Choose someone else.",
}


def page_body(request: PageRequest, title: str) -> IncidentPageRequest:
    target = PageTarget(type=request.target.kind.value, identifier=request.target.identifier)
    attributes = PageAttributes(target=target, title=title, description=request.message)
    return IncidentPageRequest(data=PageData(attributes=attributes))


def page_refused(exc: DatadogError, request: PageRequest) -> StepFailed:
    """Datadog's refusal of a page, said for people; other failures as `step_failed`."""
    if isinstance(exc, DatadogForbidden):
        said = " ".join(exc.messages).lower()
        reason = NO_ON_CALL if "on-call" in said or "oncall" in said else NOT_ALLOWED
        return StepFailed(reason, retryable=False)
    if isinstance(exc, DatadogNotFound):
        reason = UNKNOWN_TARGET[request.target.kind].format(shown=request.target.shown)
        return StepFailed(reason, retryable=False)
    return step_failed(exc)


class DatadogPager:
    """Pages and lists teams through one `DatadogClient`."""

    def __init__(self, client: DatadogClient) -> None:
        self._client = client

    def page(self, incident_id: str, request: PageRequest, *, title: str) -> PageSent:
        try:
            page_id = self._client.page_from_incident(incident_id, page_body(request, title))
        except DatadogError as exc:
            raise page_refused(exc, request) from exc
        return PageSent(page_id=page_id)

    def teams(self, keyword: str = "") -> list[Team]:
        try:
            found = self._client.list_teams(keyword, budget=TEAMS_BUDGET)
        except DatadogError as exc:
            raise budget_failed(exc) from exc
        return [Team(id=t.id, handle=t.handle, name=t.name) for t in found]
