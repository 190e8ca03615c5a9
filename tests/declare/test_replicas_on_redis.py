"""Replicas sharing one real Redis never double up a declaration.

Two `python -m bot` processes get the very same view_submission at the same moment (as
when Slack retries to another replica, or a person double-clicks behind a load balancer):
one incident, one announcement. And a declaration a dead replica left half-way is taken
over once its lease runs out.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.declare.runner import RunnerPolicy
from bot.emulators.stack import FAST_RETRY, LocalStack
from bot.services import build_services
from tests import figures
from tests.bot_process import BotProcess, open_modal, submission
from tests.exactly_once import assert_exactly_once, wait_for

ROUNDS = 5


def deliver_to_all(replicas: list[BotProcess], payload: dict[str, Any]) -> list[int]:
    """POST the same signed payload to every replica at the same instant."""
    barrier = threading.Barrier(len(replicas))
    statuses = [0] * len(replicas)

    def send(index: int) -> None:
        barrier.wait()
        statuses[index] = replicas[index].caller.interact(payload).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(replicas))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_the_same_submission_to_two_replicas_makes_one_incident(
    stack: LocalStack, replicas: list[BotProcess], redis_url: str
) -> None:
    from bot.store.redis_store import RedisStore

    titles = [f"Shared redis {n}" for n in range(ROUNDS)]
    for number, title in enumerate(titles):
        view = open_modal(stack, replicas[number % 2].caller)
        statuses = deliver_to_all(replicas, submission(stack, view, title))
        figures.fault("duplicate delivery to a second replica")
        assert statuses == [200, 200]
    store = RedisStore.from_url(redis_url)
    try:
        wait_for(
            lambda: [r.step for r in store.all()] == [Step.DONE] * ROUNDS,
            timeout=30,
            what="every declaration done",
        )
        assert len(store.all()) == ROUNDS
    finally:
        store.close()
    assert len(stack.datadog.calls("/api/v2/incidents", "POST")) == ROUNDS
    ignored = sum(p.log().count("duplicate submission ignored") for p in replicas)
    assert ignored == ROUNDS, "each round, one replica saw the other's declaration"
    assert_exactly_once(stack, *titles)


def test_a_dead_replicas_declaration_is_taken_over_when_its_lease_ends(
    stack: LocalStack, redis_url: str
) -> None:
    """What a crashed replica leaves: a stored, claimed declaration nobody renews."""
    from bot.store.redis_store import RedisStore

    store = RedisStore.from_url(redis_url, prefix=f"takeover-{time.monotonic_ns()}")
    policy = RunnerPolicy(backoff=0.01, max_backoff=0.05, settle=0.05, lease_ttl=1.0)
    services = build_services(stack.settings, store=store, retry=FAST_RETRY, runner_policy=policy)
    template = stack.declare("Left behind")
    assert template.status_code == 200
    stack.wait_done()
    (original,) = stack.services.store.all()
    key = "dk-orphan00000001"
    declaration = original.declaration.model_copy(update={"key": key, "title": "Orphaned"})
    orphan = DeclarationRecord(key=key, declaration=declaration)
    assert store.add(orphan)
    assert store.claim(orphan.key, "replica-that-died", 1.0)
    figures.fault("replica died holding a lease (Redis)")

    stop = threading.Event()
    started = time.monotonic()
    watcher = threading.Thread(target=services.runner.watch, args=(stop, 0.2), daemon=True)
    watcher.start()
    try:
        time.sleep(0.5)
        stored = store.get(orphan.key)
        assert stored is not None and stored.step is Step.ACCEPTED, "the lease is respected"
        wait_for(
            lambda: (r := store.get(orphan.key)) is not None and r.step is Step.DONE,
            timeout=15,
            what="the takeover",
        )
        elapsed = time.monotonic() - started
        figures.timing("takeover of a dead replica's declaration (lease 1s)", elapsed)
    finally:
        stop.set()
        watcher.join(timeout=10)
        services.shutdown()
        store.close()
    assert_exactly_once(stack, "Left behind", "Orphaned")
