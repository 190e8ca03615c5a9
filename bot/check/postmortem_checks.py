"""The postmortem's check: the application key reads an incident's attachments.

Drafting the postmortem lists the incident's attachments (to find one already there)
with `incident_read`, then creates it with `incident_write`. The read is probed on an
incident no org has: 404 proves the permission without reading anything; the write is
only proven by drafting one (a test incident's Postmortem button).
"""

from __future__ import annotations

from bot.check.checklist import Item
from bot.config import Settings
from bot.datadog.client import DatadogClient
from bot.datadog.endpoints import ENDPOINTS
from bot.datadog.errors import DatadogError, DatadogNotFound, DatadogStatusError
from bot.domain.record.postmortem import PostmortemMode

PROBE_INCIDENT = "00000000-0000-0000-0000-000000000000"
_LIST = ENDPOINTS.list_attachments
_CREATE = ENDPOINTS.create_postmortem
POSTMORTEM_TITLE = (
    f"Datadog application key can read incident attachments ({_LIST.method} {_LIST.label}), "
    "for the postmortem"
)


def check_postmortem(settings: Settings, client: DatadogClient) -> Item:
    if settings.postmortem is PostmortemMode.NEVER:
        return Item(
            "skip", POSTMORTEM_TITLE, ["DECLARE_POSTMORTEM=never: no postmortem is drafted"]
        )
    try:
        client.list_attachments(PROBE_INCIDENT)
    except DatadogNotFound:
        pass
    except DatadogStatusError as exc:
        if exc.status == 403:
            fix = (
                f"give the application key the {_LIST.permission} permission (Datadog > "
                "Organization Settings > Application Keys > the key's scopes, or its owner's "
                "role), or set DECLARE_POSTMORTEM=never"
            )
            return Item("fail", f"{POSTMORTEM_TITLE}: Datadog said 403", fix=fix)
        return Item("warn", f"{POSTMORTEM_TITLE}: Datadog said {exc.status}: {exc.reason}")
    except DatadogError as exc:
        return Item("warn", f"{POSTMORTEM_TITLE}: {exc}")
    template = settings.postmortem_template or "the built-in layout"
    return Item(
        "ok",
        POSTMORTEM_TITLE,
        [
            f"permission {_LIST.permission}; drafting it ({_CREATE.route}) needs "
            f"{_CREATE.permission}, proven by drafting one (a test incident's Postmortem)",
            f"DECLARE_POSTMORTEM={settings.postmortem.value}, drafted into {template}",
        ],
    )
