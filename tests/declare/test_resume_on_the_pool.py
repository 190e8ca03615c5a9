"""L7: resuming runs on the worker pool, bounded, and no other machine's clock decides it.

The bench: 40 pending declarations, every Slack and Datadog call taking 100 ms, resumed
by the bot's own `resume_pending` (as at startup); timed until all 40 are done.
The skew cases: records stamped by a replica whose clock ran an hour fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from bot.domain.declare.record import DeclarationRecord, Step
from bot.emulators.personas import ALICE
from bot.emulators.stack import LocalStack
from tests import figures
from tests.exactly_once import assert_exactly_once, click_retry, wait_for

PENDING = 40
LATENCY = 0.1
HOUR = 3600.0


def template(stack: LocalStack) -> DeclarationRecord:
    """A real declaration's record (declared through the bot), to copy pending ones from."""
    stack.declare("Template")
    stack.wait_done()
    (done,) = stack.services.store.all()
    assert done.step is Step.DONE
    return done


def copy_of(done: DeclarationRecord, number: int, **changes: object) -> DeclarationRecord:
    key = f"dk-pending{number:08d}"
    declaration = done.declaration.model_copy(update={"key": key, "title": f"Pending {number:02d}"})
    return DeclarationRecord(key=key, declaration=declaration, **changes)  # type: ignore[arg-type]


def steps(stack: LocalStack) -> list[Step]:
    return [r.step for r in stack.services.store.all()]


def test_resuming_40_declarations_at_100ms_per_call_uses_the_pool(stack: LocalStack) -> None:
    done = template(stack)
    for number in range(PENDING):
        assert stack.services.store.add(copy_of(done, number))
    stack.slack.latency["*"] = LATENCY
    stack.datadog.latency["*"] = LATENCY

    started = time.monotonic()
    stack.services.runner.resume_pending()
    wait_for(
        lambda: steps(stack).count(Step.DONE) == PENDING + 1,
        timeout=120,
        what="every resumed declaration done",
    )
    elapsed = time.monotonic() - started
    figures.timing(
        f"resume {PENDING} pending declarations at {LATENCY * 1000:.0f} ms/call", elapsed
    )
    print(f"\nresumed {PENDING} declarations at {LATENCY * 1000:.0f} ms per call in {elapsed:.2f}s")
    assert_exactly_once(stack, *(f"Pending {n:02d}" for n in range(PENDING)))
    assert elapsed < 10.0, f"{elapsed:.1f}s: resuming is not concurrent"


@pytest.fixture
def watching(stack: LocalStack) -> Iterator[None]:
    stop = threading.Event()
    watcher = threading.Thread(target=stack.services.runner.watch, args=(stop, 0.2), daemon=True)
    watcher.start()
    yield
    stop.set()
    watcher.join(timeout=10)


def test_a_record_from_a_replica_an_hour_fast_is_resumed(stack: LocalStack, watching: None) -> None:
    done = template(stack)
    ahead = time.time() + HOUR
    assert stack.services.store.add(copy_of(done, 1, created_at=ahead, updated_at=ahead))
    wait_for(lambda: steps(stack) == [Step.DONE, Step.DONE], timeout=15, what="the resume")
    assert_exactly_once(stack, "Template", "Pending 01")


def test_retry_of_a_create_stamped_an_hour_fast_does_not_sleep_an_hour(stack: LocalStack) -> None:
    done = template(stack)
    ahead = time.time() + HOUR
    # Still pending (its failure was never saved, say): Retry resumes it as it stands.
    failed = copy_of(
        done,
        2,
        step=Step.COMMANDER_RESOLVED,
        commander_dd_id=stack.users[ALICE],
        commander_email="alice@example.com",
        create_started_at=ahead,
        created_at=ahead,
        updated_at=ahead,
    )
    assert stack.services.store.add(failed)
    started = time.monotonic()
    assert click_retry(stack, failed.key) == 200
    wait_for(lambda: steps(stack) == [Step.DONE, Step.DONE], timeout=15, what="the retry")
    figures.timing("Retry of a create stamped 1 h ahead", time.monotonic() - started)
    assert_exactly_once(stack, "Template", "Pending 02")
