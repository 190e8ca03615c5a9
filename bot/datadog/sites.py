"""Datadog sites: the API host and the web-app host each one uses."""

from __future__ import annotations

from bot.domain.monitor.links import SITE_WEB_HOSTS

WEB_HOSTS = SITE_WEB_HOSTS
"""DD_SITE -> web-app host; the domain owns the table because it parses Datadog links."""
SITES: tuple[str, ...] = tuple(WEB_HOSTS)


def api_base(site: str) -> str:
    """The API base URL, e.g. https://api.datadoghq.eu for datadoghq.eu."""
    return f"https://api.{site}"


def incident_url(site: str, public_id: int) -> str:
    """The incident's page in the Datadog web app for that site."""
    return f"https://{WEB_HOSTS[site]}/incidents/{public_id}"
