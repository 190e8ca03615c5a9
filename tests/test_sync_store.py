"""The sync set and the named sync lease: one contract, SQLite and Redis (real servers)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bot.domain.incident_state import IncidentView
from bot.domain.sync_ports import SYNC_LEASE, TrackedIncident
from tests.test_store_contract import Opener
from tests.test_store_contract import opener as opener  # the both-stores fixture


def entry(public_id: int, **changes: object) -> TrackedIncident:
    base = TrackedIncident(
        incident_id=f"inc-{public_id}", public_id=public_id, channel="C1", ts=f"{public_id}.0001"
    )
    return base.model_copy(update=changes)


def test_the_sync_set_survives_reopening_and_keeps_snapshots(opener: Opener) -> None:
    store = opener()
    assert store.tracked() == []
    snapshot = IncidentView(
        incident_id="inc-2",
        public_id=2,
        title="Checkout “5xx” \u202e",
        severity="SEV-2",
        modified=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
    )
    store.track(entry(1))
    store.track(entry(2, snapshot=snapshot, commander_slack_id="U1"))
    store.track(entry(1, bot_user_id="dd-bot"))  # replaced, not added
    other = opener()
    assert [e.public_id for e in other.tracked()] == [1, 2]
    assert other.tracked_incident("inc-1") == entry(1, bot_user_id="dd-bot")
    assert other.tracked_incident("inc-2") == entry(2, snapshot=snapshot, commander_slack_id="U1")
    other.untrack("inc-1")
    other.untrack("inc-missing")
    assert [e.public_id for e in store.tracked()] == [2]
    assert store.tracked_incident("inc-1") is None


def test_the_named_lease_has_one_holder_until_released_or_expired(opener: Opener) -> None:
    store, other = opener(), opener()
    assert store.claim_lease(SYNC_LEASE, "replica-a", 30)
    assert not other.claim_lease(SYNC_LEASE, "replica-b", 30)
    assert store.claim_lease(SYNC_LEASE, "replica-a", 30), "the holder renews it"
    other.release_lease(SYNC_LEASE, "replica-b")
    assert not other.claim_lease(SYNC_LEASE, "replica-b", 30), "only the holder releases"
    store.release_lease(SYNC_LEASE, "replica-a")
    assert other.claim_lease(SYNC_LEASE, "replica-b", 0.3)
    assert other.claim_lease("another-lease", "replica-a", 30), "names are independent"
    time.sleep(0.5)
    assert store.claim_lease(SYNC_LEASE, "replica-a", 30), "an expired lease is free"
    assert not other.claim_lease(SYNC_LEASE, "replica-b", 30)
