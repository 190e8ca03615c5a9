"""L4: the store breaks after the ack (Redis refuses writes): the person is still told.

A real Redis made to refuse every write (`min-replicas-to-write 1` with no replica: reads
work, writes answer NOREPLICAS) while Datadog is creating the incident. The incident
exists; the save that would record it fails; the declarer must get the notice, with the
incident's link, even though the failure can't be saved either.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from bot.emulators.personas import ALICE, INCIDENTS
from bot.emulators.stack import LocalStack
from tests.exactly_once import incidents_titled, wait_for


@pytest.fixture
def redis_stack(redis_url: str) -> Iterator[LocalStack]:
    from bot.store.redis_store import RedisStore

    store = RedisStore.from_url(redis_url, prefix=f"down-{uuid.uuid4().hex[:8]}")
    with LocalStack(store=store) as running:
        yield running
    store.close()


@pytest.fixture
def refuse_writes(redis_url: str) -> Iterator[object]:
    import redis

    admin = redis.Redis.from_url(redis_url)

    def refuse() -> None:
        admin.config_set("min-replicas-to-write", 1)

    try:
        yield refuse
    finally:
        admin.config_set("min-replicas-to-write", 0)
        admin.close()


def test_a_store_that_breaks_after_the_ack_does_not_silence_the_failure_notice(
    redis_stack: LocalStack, refuse_writes: object
) -> None:
    stack = redis_stack
    title = "Store dies mid-declaration"
    stack.datadog.inject("POST /api/v2/incidents", delay=1.0)
    assert stack.declare(title).status_code == 200
    stack.datadog.wait_for("/api/v2/incidents", 1, timeout=10)
    refuse_writes()  # type: ignore[operator]
    wait_for(lambda: bool(stack.slack.ephemerals(INCIDENTS)), timeout=15, what="the notice")
    notice = stack.slack.ephemerals(INCIDENTS)[-1]
    assert notice["user"] == ALICE
    text = json.dumps(notice)
    assert len(incidents_titled(stack.datadog, title)) == 1
    assert "/incidents/1" in text, "the notice links the incident that exists"
