"""Datadog sites: the API host and the web-app host each one uses."""

from __future__ import annotations

WEB_HOSTS: dict[str, str] = {
    "datadoghq.com": "app.datadoghq.com",
    "us3.datadoghq.com": "us3.datadoghq.com",
    "us5.datadoghq.com": "us5.datadoghq.com",
    "datadoghq.eu": "app.datadoghq.eu",
    "ap1.datadoghq.com": "ap1.datadoghq.com",
    "ap2.datadoghq.com": "ap2.datadoghq.com",
    "uk1.datadoghq.com": "uk1.datadoghq.com",
    "ddog-gov.com": "app.ddog-gov.com",
    "us2.ddog-gov.com": "us2.ddog-gov.com",
}
SITES: tuple[str, ...] = tuple(WEB_HOSTS)


def api_base(site: str) -> str:
    """The API base URL, e.g. https://api.datadoghq.eu for datadoghq.eu."""
    return f"https://api.{site}"


def incident_url(site: str, public_id: int) -> str:
    """The incident's page in the Datadog web app for that site."""
    return f"https://{WEB_HOSTS[site]}/incidents/{public_id}"
