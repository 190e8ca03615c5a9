"""Whether staffing from the card will work: the org's roles and incidents' responders.

Both are reads: the roles list (`incident_settings_read`), and the responders of an
incident that does not exist (`incident_read`: Datadog's 404 proves the permission; a 403
names it). Adding and removing a responder need `incident_write`, proven by declaring.
"""

from __future__ import annotations

from bot.datadog.client import DatadogClient
from bot.datadog.endpoints import ENDPOINTS
from bot.datadog.errors import DatadogNotFound

ROLES_TITLE = (
    f"Datadog application key can read responder roles ({ENDPOINTS.list_incident_roles.route})"
)
RESPONDERS_TITLE = (
    f"Datadog application key can read responders ({ENDPOINTS.list_responders.route})"
)
NO_INCIDENT = "00000000-0000-0000-0000-000000000000"


def probe_responders(client: DatadogClient) -> None:
    """The responders of no incident: a 404 is the permission working."""
    try:
        client.list_responders(NO_INCIDENT)
    except DatadogNotFound:
        return


def roles_detail(client: DatadogClient) -> str:
    roles = client.list_incident_roles()
    if not roles:
        return "the org has no roles: Add responder asks for the person only"
    return "roles offered in Add responder: " + ", ".join(r.name for r in roles[:10])
