"""Whether paging will work (optional: without it the card's Page says why, declaring works).

Two probes that change nothing: the teams list (`teams_read`, one team), and a page to an
incident id no org has, which Datadog answers 404 when the key may page (`oncall_page` with
`incident_write`) and 403 when it may not. Whether the org has On-Call at all cannot be
seen without sending a real page: the first page says so (docs/paging.md).
"""

from __future__ import annotations

from bot.check.checklist import Item
from bot.datadog.client import DatadogClient
from bot.datadog.endpoints import ENDPOINTS
from bot.datadog.errors import DatadogError, DatadogForbidden, DatadogNotFound
from bot.datadog.paging_models import IncidentPageRequest, PageAttributes, PageData, PageTarget

PROBE_INCIDENT = "00000000-0000-0000-0000-000000000000"
"""An incident id no org has: the probe page is refused as not found, never sent."""
_PAGE, _TEAMS = ENDPOINTS.page_from_incident, ENDPOINTS.list_teams
PAGING_TITLE = f"Paging On-Call ({_PAGE.method} {_PAGE.label}, {_TEAMS.route}, optional)"
_PROBE = IncidentPageRequest(
    data=PageData(
        attributes=PageAttributes(
            target=PageTarget(type="team_handle", identifier="declare-bot-check"),
            title="declare-bot check (never sent)",
        )
    )
)


def _fix(missing: list[str]) -> str:
    return (
        f"give the application key {' and '.join(missing)} (Datadog > Organization Settings > "
        "Application Keys > the key's scopes, or its owner's role) so that the card's Page "
        "and the declare form's Page field work; until then they say why they can't page"
    )


def check_paging(client: DatadogClient) -> Item:
    missing: list[str] = []
    details: list[str] = []
    try:
        client.list_teams(page_size=1)
        details.append(f"permission {_TEAMS.permission}: granted")
    except DatadogForbidden:
        missing.append(f"`{_TEAMS.permission}`")
    except DatadogError as exc:
        return Item("warn", f"{PAGING_TITLE}: could not tell", [str(exc)])
    try:
        client.page_from_incident(PROBE_INCIDENT, _PROBE)
    except DatadogNotFound:
        details.append(f"permissions {_PAGE.permission} and incident_write: granted")
    except DatadogForbidden:
        missing.append(f"`{_PAGE.permission}` with `incident_write`")
    except DatadogError as exc:
        return Item("warn", f"{PAGING_TITLE}: could not tell", [str(exc)])
    if missing:
        return Item("warn", f"{PAGING_TITLE}: not granted", details, fix=_fix(missing))
    details.append("whether the org has On-Call shows at the first page")
    return Item("ok", PAGING_TITLE, details)
