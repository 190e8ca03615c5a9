"""Datadog web links, parsed strictly: a link that is not plainly Datadog's is a link to nothing.

Alert messages are untrusted text. A look-alike such as
`https://evil.example\\@app.datadoghq.com/monitors/1` is read differently by different URL
parsers (browsers treat `\\` as `/`), so instead of trusting one parser we accept only a
narrow grammar and rebuild the URL from the parts we checked:

- scheme `https`, no userinfo, no port other than 443, no backslash, whitespace or control
  character anywhere;
- an ASCII host made of LDH labels, none of them punycode (`xn--`), that is one of the
  sites' web-app hosts (`SITE_WEB_HOSTS`) or a one-label custom sub-domain of a site
  (`acme.datadoghq.com`, `acme.datadoghq.eu`, `acme.us3.datadoghq.com`).

The site table lives here, in the domain, and `bot.datadog.sites` uses it: one table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

SITE_WEB_HOSTS: dict[str, str] = {
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
"""DD_SITE -> the web-app host of that site (`bot.datadog.sites.WEB_HOSTS` is this table)."""

URL_MAX = 2000
GROUP_MAX = 200
MONITOR_ID_MAX = 2**63 - 1
RESERVED_LABELS = frozenset({"api", "www", "docs", "status", "app", "trace", "intake"})
"""Sub-domains that are Datadog's own services, not an organisation's custom sub-domain."""

_WEB_TO_SITE = {host: site for site, host in SITE_WEB_HOSTS.items()}
_SCHEME = re.compile(r"https://", re.IGNORECASE)
_AUTHORITY = re.compile(r"([A-Za-z0-9.-]{1,253})(?::(443))?")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_MONITOR_PATH = re.compile(r"/monitors/([0-9]{1,19})(?:/(?:edit|status)?)?/?")
_SAFE_PATH = re.compile(r"[A-Za-z0-9/._~!$&'()*+,;=:@%-]*")


@dataclass(frozen=True)
class DatadogHost:
    """A host that belongs to a Datadog site: `site` is its DD_SITE (e.g. `datadoghq.eu`)."""

    site: str
    host: str


@dataclass(frozen=True)
class DatadogLink:
    """A Datadog web link, rebuilt from its checked parts (query and fragment dropped)."""

    site: str
    host: str
    path: str
    url: str


@dataclass(frozen=True)
class MonitorLink:
    """A monitor page: `url` is canonical, `https://<host>/monitors/<id>`.

    `group` is the alerting group the link names (`?group=host:web-1`), when it names one.
    """

    site: str
    host: str
    monitor_id: int
    url: str
    group: str | None = None


def datadog_host(host: str) -> DatadogHost | None:
    """The site a host belongs to: a web-app host, or a one-label custom sub-domain of a site.

    >>> datadog_host("acme.datadoghq.eu")
    DatadogHost(site='datadoghq.eu', host='acme.datadoghq.eu')
    """
    if not host.isascii():
        return None
    host = host.lower()
    labels = host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if any(label.startswith("xn--") for label in labels):
        return None
    if host in _WEB_TO_SITE:
        return DatadogHost(site=_WEB_TO_SITE[host], host=host)
    first, _, parent = host.partition(".")
    if first in RESERVED_LABELS or parent not in SITE_WEB_HOSTS:
        return None
    if parent == "datadoghq.com" and first in {s.split(".")[0] for s in SITE_WEB_HOSTS}:
        return None
    return DatadogHost(site=parent, host=host)


def _split(url: str) -> tuple[DatadogHost, str, str] | None:
    """(host, path, query) of a strictly valid https Datadog URL, else None."""
    if not isinstance(url, str) or len(url) > URL_MAX or not url.isascii():
        return None
    if "\\" in url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    scheme = _SCHEME.match(url)
    if scheme is None:
        return None
    rest = url[scheme.end() :]
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority = rest[:end]
    found = _AUTHORITY.fullmatch(authority)
    if found is None:
        return None
    owner = datadog_host(found.group(1))
    if owner is None:
        return None
    # Defence in depth: the standard library must see the same host and no userinfo.
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.hostname != owner.host or parts.username is not None or port not in (None, 443):
        return None
    path = parts.path or "/"
    if not _SAFE_PATH.fullmatch(path):
        return None
    return owner, path, parts.query


def parse_datadog_link(url: str) -> DatadogLink | None:
    """Any page on a Datadog site (dashboards, notebooks, monitors), or None."""
    split = _split(url)
    if split is None:
        return None
    owner, path, _ = split
    return DatadogLink(
        site=owner.site, host=owner.host, path=path, url=f"https://{owner.host}{path}"
    )


def _group(query: str) -> str | None:
    try:
        values = parse_qs(query, max_num_fields=50).get("group", [])
    except ValueError:
        return None
    value = " ".join(values[0].split()) if values else ""
    if not value or len(value) > GROUP_MAX or not value.isprintable():
        return None
    return value


def parse_monitor_link(url: str) -> MonitorLink | None:
    """A monitor page link, or None; the query string and `#` fragment are not the id.

    >>> parse_monitor_link("https://acme.datadoghq.com/monitors/42?group=host%3Aweb-1#x").url
    'https://acme.datadoghq.com/monitors/42'
    """
    split = _split(url)
    if split is None:
        return None
    owner, path, query = split
    found = _MONITOR_PATH.fullmatch(path)
    if found is None:
        return None
    monitor_id = int(found.group(1))
    if not 0 < monitor_id <= MONITOR_ID_MAX:
        return None
    return MonitorLink(
        site=owner.site,
        host=owner.host,
        monitor_id=monitor_id,
        url=f"https://{owner.host}/monitors/{monitor_id}",
        group=_group(query),
    )


CONTEXT_PAGES = frozenset(
    {"monitors", "monitor", "dashboard", "dashboards", "notebook", "notebooks"}
)
"""The first path segment of pages worth linking from an incident's timeline."""
_SAFE_QUERY = re.compile(r"[A-Za-z0-9._~!$'()*+,;=:@%/?&-]{0,500}")


def parse_context_link(url: str) -> str | None:
    """A monitor, dashboard or notebook link rebuilt from its checked parts, else None.

    The query is kept when it is plain (a dashboard's time range, template variables); the
    fragment never is.

    >>> parse_context_link("HTTPS://App.DatadogHQ.com/dashboard/abc?from_ts=1#x")
    'https://app.datadoghq.com/dashboard/abc?from_ts=1'
    """
    split = _split(url)
    if split is None:
        return None
    owner, path, query = split
    if path.strip("/").split("/")[0].lower() not in CONTEXT_PAGES:
        return None
    rebuilt = f"https://{owner.host}{path}"
    return f"{rebuilt}?{query}" if query and _SAFE_QUERY.fullmatch(query) else rebuilt
