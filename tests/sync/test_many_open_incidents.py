"""More than 100 open incidents: every open card is followed, over real HTTP.

Issue 20 §2.3: the sync read one search page of 100, so with more open incidents the
bot's older cards were missing from it; all were GET on every tick, the same `max_gets`
first ones each time, and the rest were never read. Now the sync pages through the
search (`page[size]` 100, `page[offset]`; the emulator refuses larger pages, as the spec
allows at most 100) and GETs only what moved, the longest unread first.
"""

from __future__ import annotations

import httpx

from bot.emulators.stack import LocalStack
from tests.sync.test_sync import (
    SEARCH,
    declared,
    edit_severity,
    make_sync,
    stored_card,
    texts,
    thread_notes,
)

OTHERS = 120
"""Incidents declared in Datadog after the bot's: its cards are past the first page."""


def datadog_http(stack: LocalStack) -> httpx.Client:
    """Someone else using Datadog's API (the emulator checks every body with the models)."""
    return httpx.Client(
        base_url=stack.datadog.url,
        headers={"DD-API-KEY": stack.datadog.api_key, "DD-APPLICATION-KEY": stack.datadog.app_key},
        timeout=10.0,
    )


def declare_in_datadog(stack: LocalStack, count: int) -> None:
    with datadog_http(stack) as dd:
        for n in range(count):
            body = {
                "data": {
                    "type": "incidents",
                    "attributes": {"title": f"Declared in Datadog {n}", "customer_impacted": False},
                }
            }
            assert dd.post("/api/v2/incidents", json=body).status_code == 201


def test_cards_past_the_first_search_page_are_followed(stack: LocalStack) -> None:
    records = [declared(stack, f"Older card {n}", n + 1) for n in range(3)]
    declare_in_datadog(stack, OTHERS)
    sync = make_sync(stack, interval=0, max_gets=2)

    def tick() -> tuple[int, int]:
        searches = len(stack.datadog.calls(SEARCH))
        report = sync.tick()
        assert report is not None
        assert report.searches == len(stack.datadog.calls(SEARCH)) - searches
        return report.searches, report.gets

    assert [tick(), tick()] == [(2, 2), (2, 1)], "two pages; first reads, two per tick"
    assert all(stored_card(stack, r).shown.modified is not None for r in records)
    for record in records:
        edit_severity(stack, record, "SEV-1")
    assert [tick(), tick()] == [(2, 2), (2, 1)]
    for record in records:
        (note,) = thread_notes(stack, record)
        assert "changed severity SEV-2 → SEV-1" in texts(note["blocks"])
        assert stored_card(stack, record).shown.severity == "SEV-1"
    assert tick() == (2, 0), "nothing moved: the two search pages alone"


def test_the_search_allows_pages_of_at_most_100(stack: LocalStack) -> None:
    with datadog_http(stack) as dd:
        query = {"query": "state:(active OR stable)", "page[offset]": 0}
        assert dd.get(SEARCH, params={**query, "page[size]": 100}).status_code == 200
        refused = dd.get(SEARCH, params={**query, "page[size]": 101})
    assert refused.status_code == 400
    assert "page[size]" in refused.json()["errors"][0]
