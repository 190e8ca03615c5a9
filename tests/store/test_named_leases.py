"""The named sync lease: one contract, SQLite and Redis (real servers)."""

from __future__ import annotations

import time

from bot.domain.sync.ports import SYNC_LEASE
from tests.store.test_contract import Opener
from tests.store.test_contract import opener as opener  # the both-stores fixture


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
