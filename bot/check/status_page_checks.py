"""Checks for publishing on a status page (DECLARE_STATUS_PAGE, only when it is set).

Reading the page proves its id and `status_pages_settings_read`; a PATCH of a degradation
no page has proves `status_pages_incident_write` without changing anything (404 means the
key may write, 403 that it may not).
"""

from __future__ import annotations

from bot.check.checklist import Item
from bot.config import Settings
from bot.datadog.client import DatadogClient
from bot.datadog.endpoints import ENDPOINTS
from bot.datadog.errors import DatadogError, DatadogNotFound, DatadogStatusError
from bot.datadog.status_page_models import (
    DegradationPatchAttributes,
    DegradationPatchData,
    DegradationPatchRequest,
    status_page,
)

PROBE_DEGRADATION = "00000000-0000-0000-0000-000000000000"
"""A degradation id no page has: the PATCH is answered 404 (allowed) or 403, never applied."""
_READ = ENDPOINTS.get_status_page
_WRITE = ENDPOINTS.update_degradation


def status_page_titles(settings: Settings) -> tuple[str, ...]:
    if not settings.status_page:
        return ()
    return (
        f"DECLARE_STATUS_PAGE is a status page the key can read ({_READ.route})",
        f"Datadog application key can publish notices there ({_WRITE.method} …/degradations)",
    )


def check_status_page(settings: Settings, client: DatadogClient) -> list[Item]:
    """Nothing when no status page is set up; else whether it is readable and writable."""
    page_id = settings.status_page
    if not page_id:
        return []
    read_title, write_title = status_page_titles(settings)
    try:
        page = status_page(client.get_status_page(page_id))
    except DatadogNotFound:
        fix = (
            f"Datadog has no status page {page_id} in this org: copy the id from the page's URL "
            "(Datadog > Status Pages > the page), or leave DECLARE_STATUS_PAGE empty to turn "
            "publishing off"
        )
        return [Item("fail", f"{read_title}: not found", fix=fix), Item("skip", write_title)]
    except DatadogStatusError as exc:
        fix = (
            f"give the application key the {_READ.permission} permission (Datadog > Organization "
            "Settings > Application Keys > the key's scopes, or its owner's role)"
            if exc.status == 403
            else f"Datadog said {exc.status}: {exc.reason}"
        )
        return [Item("fail", f"{read_title}: refused", fix=fix), Item("skip", write_title)]
    except DatadogError as exc:
        return [
            Item("fail", f"{read_title}: could not tell", [str(exc)]),
            Item("skip", write_title),
        ]
    names = ", ".join(c.label for c in page.components[:8]) or "no components"
    read = Item("ok", read_title, [f"{page.name}: {names}", f"permission {_READ.permission}"])
    nothing = DegradationPatchAttributes()  # changes nothing, even were the id to exist
    probe = DegradationPatchRequest(
        data=DegradationPatchData(id=PROBE_DEGRADATION, attributes=nothing)
    )
    try:
        client.update_degradation(page_id, PROBE_DEGRADATION, probe)
    except DatadogNotFound:
        return [read, Item("ok", write_title, [f"permission {_WRITE.permission}"])]
    except DatadogStatusError as exc:
        if exc.status == 403:
            fix = (
                f"give the application key the {_WRITE.permission} permission; until then "
                "publishing fails with Datadog's 403 (the person is told)"
            )
            return [read, Item("fail", f"{write_title}: not granted", fix=fix)]
        return [read, Item("warn", f"{write_title}: Datadog said {exc.status}: {exc.reason}")]
    except DatadogError as exc:
        return [read, Item("warn", f"{write_title}: could not tell", [str(exc)])]
    return [read, Item("warn", f"{write_title}: a probe degradation exists?")]
