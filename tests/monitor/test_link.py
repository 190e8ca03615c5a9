"""Datadog links: the nine sites, custom sub-domains, and look-alikes as links to nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.datadog.sites import WEB_HOSTS
from bot.domain.monitor.links import (
    SITE_WEB_HOSTS,
    DatadogHost,
    datadog_host,
    parse_datadog_link,
    parse_monitor_link,
)


def test_the_nine_sites_each_have_a_web_host() -> None:
    assert len(SITE_WEB_HOSTS) == 9
    assert all(host.count(".") >= 1 for host in SITE_WEB_HOSTS.values())


@pytest.mark.parametrize(("site", "host"), sorted(WEB_HOSTS.items()))
def test_every_site_web_host_gives_a_monitor(site: str, host: str) -> None:
    link = parse_monitor_link(f"https://{host}/monitors/123")
    assert link is not None
    assert (link.site, link.host, link.monitor_id) == (site, host, 123)
    assert link.url == f"https://{host}/monitors/123"


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("acme.datadoghq.com", "datadoghq.com"),
        ("acme.datadoghq.eu", "datadoghq.eu"),
        ("acme.us3.datadoghq.com", "us3.datadoghq.com"),
        ("acme-2.us5.datadoghq.com", "us5.datadoghq.com"),
        ("acme.ap1.datadoghq.com", "ap1.datadoghq.com"),
        ("acme.ddog-gov.com", "ddog-gov.com"),
        ("ACME.DatadogHQ.com", "datadoghq.com"),
    ],
)
def test_custom_sub_domains_belong_to_their_site(host: str, site: str) -> None:
    assert datadog_host(host) == DatadogHost(site=site, host=host.lower())
    link = parse_monitor_link(f"https://{host}/monitors/7")
    assert (
        link is not None and link.site == site and link.url == f"https://{host.lower()}/monitors/7"
    )


@pytest.mark.parametrize(
    "host",
    [
        "datadoghq.com",  # the bare domain is not the app
        "api.datadoghq.com",  # the API host, not a web page
        "www.datadoghq.com",
        "a.b.datadoghq.com",  # custom sub-domains are one label
        "datadoghq.com.evil.example",
        "evildatadoghq.com",
        "app.datadoghq.co",
        "us2.datadoghq.com",  # a site label under the wrong parent
        "xn--80ak6aa92e.datadoghq.com",  # punycode label
        "-acme.datadoghq.com",
        "acme..datadoghq.com",
        "app.datadoghq.com.",
    ],
)
def test_hosts_that_are_not_datadog_sites(host: str) -> None:
    assert datadog_host(host) is None
    assert parse_monitor_link(f"https://{host}/monitors/1") is None


def test_query_and_fragment_are_not_part_of_the_id() -> None:
    url = (
        "https://app.datadoghq.com/monitors/155844758?group=host%3Aweb-1&from_ts=1&to_ts=2"
        "&link_source=monitor_notif#events"
    )
    link = parse_monitor_link(url)
    assert link is not None
    assert link.monitor_id == 155844758
    assert link.url == "https://app.datadoghq.com/monitors/155844758"
    assert link.group == "host:web-1"
    assert parse_monitor_link("https://app.datadoghq.com/monitors/42#x").url.endswith("/42")  # type: ignore[union-attr]
    assert parse_monitor_link("https://app.datadoghq.com/monitors/42/").monitor_id == 42  # type: ignore[union-attr]
    assert parse_monitor_link("https://app.datadoghq.com/monitors/42/edit") is not None
    assert parse_monitor_link("https://app.datadoghq.com:443/monitors/42") is not None


@pytest.mark.parametrize(
    "url",
    [
        # issue 11's L1: browsers read `\` as `/`, so the host is evil.example
        "https://evil.example\\@app.datadoghq.com/monitors/123",
        "https://app.datadoghq.com\\@evil.example/monitors/123",
        "https://app.datadoghq.com/monitors\\123",
        "https://user@app.datadoghq.com/monitors/123",
        "https://user:pass@app.datadoghq.com/monitors/123",
        "https://evil.example@app.datadoghq.com/monitors/123",
        "https://app.datadoghq.com@evil.example/monitors/123",
        "https://аpp.datadoghq.com/monitors/123",  # Cyrillic а
        "https://app.datadoghq.cоm/monitors/123",  # Cyrillic о
        "https://app.datadoghq.com/monitors/１２３",  # full-width digits
        "https://xn--pp-7ka.datadoghq.com/monitors/123",
        "https://app.datadoghq.com:8443/monitors/123",
        "https://app.datadoghq.com:80/monitors/123",
        "https://app.datadoghq.com:/monitors/123",
        "http://app.datadoghq.com/monitors/123",
        "javascript://app.datadoghq.com/monitors/123",
        "//app.datadoghq.com/monitors/123",
        "https://app.datadoghq.com%2eevil.example/monitors/123",
        "https://[::1]/monitors/123",
        "https://app.datadoghq.com/monitors/%31%32%33",
        "https://app.datadoghq.com/monitors/123 https://evil.example",
        "https://app.datadoghq.com/monitors/12\t3",
        "https://app.datadoghq.com/monitors/123\n",
        "https://app.datadoghq.com/monitors/0",
        "https://app.datadoghq.com/monitors/99999999999999999999",
        "https://app.datadoghq.com/monitors/-1",
        "https://app.datadoghq.com/monitors/abc",
        "https://app.datadoghq.com/monitors",
        "https://app.datadoghq.com/monitors#123",
        "https://app.datadoghq.com/dashboard/abc-123",
        "https://app.datadoghq.com/monitors/123/../../evil",
        "https://app.datadoghq.com/" + "a" * 3000,
        "",
    ],
)
def test_look_alikes_are_links_to_nothing(url: str) -> None:
    assert parse_monitor_link(url) is None


def test_generic_links_are_rebuilt_without_query_or_fragment() -> None:
    link = parse_datadog_link("https://acme.datadoghq.eu/dashboard/abc-def/my-board?from_ts=1#x")
    assert link is not None
    assert (link.site, link.host, link.path) == ("datadoghq.eu", "acme.datadoghq.eu", link.path)
    assert link.url == "https://acme.datadoghq.eu/dashboard/abc-def/my-board"
    assert parse_datadog_link("https://app.datadoghq.com").url == "https://app.datadoghq.com/"  # type: ignore[union-attr]
    assert parse_datadog_link("https://evil.example\\@app.datadoghq.com/dashboard/x") is None
    assert parse_datadog_link("https://app.datadoghq.com/a b") is None


def test_group_is_kept_only_when_printable_and_short() -> None:
    assert parse_monitor_link("https://app.datadoghq.com/monitors/1?group=a%0Ab").group == "a b"  # type: ignore[union-attr]
    assert (
        parse_monitor_link("https://app.datadoghq.com/monitors/1?group=" + "x" * 300).group is None
    )  # type: ignore[union-attr]
    assert parse_monitor_link("https://app.datadoghq.com/monitors/1?group=%07").group is None  # type: ignore[union-attr]
    assert parse_monitor_link("https://app.datadoghq.com/monitors/1").group is None  # type: ignore[union-attr]


@given(st.text(max_size=200))
def test_anything_parsed_is_a_canonical_ascii_https_link(text: str) -> None:
    for candidate in (text, "https://app.datadoghq.com/monitors/" + text, "https://" + text):
        link = parse_monitor_link(candidate)
        if link is None:
            continue
        assert link.url == f"https://{link.host}/monitors/{link.monitor_id}"
        assert link.url.isascii() and "@" not in link.url and "\\" not in link.url
        assert datadog_host(link.host) is not None
