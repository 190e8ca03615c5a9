"""L7b: two replicas on one real Redis, default settings; the one declaring is killed
with `kill -9` right after its create reached Datadog. The survivor must announce the
incident within 15 s (it took 61.9 s: a 30 s lease, then a 30 s watch interval)."""

from __future__ import annotations

import time

from bot.emulators.stack import LocalStack
from bot.store.redis_store import RedisStore
from tests import figures
from tests.bot_process import BotProcess, open_modal, submission
from tests.exactly_once import announcements, assert_exactly_once, wait_for

TAKEOVER_BOUND = 15.0


def placeholder_saved(redis_url: str) -> bool:
    store = RedisStore.from_url(redis_url)
    try:
        return any(r.placeholder_ts for r in store.all())
    finally:
        store.close()


def test_a_replica_killed_after_its_create_is_taken_over_within_15s(
    stack: LocalStack, replicas: list[BotProcess], redis_url: str
) -> None:
    doomed, survivor = replicas
    title = "Replica killed after create"
    stack.datadog.inject("POST /api/v2/incidents", delay=0.5)
    view = open_modal(stack, doomed.caller)
    assert doomed.caller.interact(submission(stack, view, title)).status_code == 200
    stack.datadog.wait_for("/api/v2/incidents", 1, timeout=15)
    # The placeholder goes out beside the create (issue 15); a kill between Slack storing it
    # and its save would leave a second one (docs/reliability.md, known limits): kill after
    # the save.
    wait_for(lambda: placeholder_saved(redis_url), timeout=15, what="the placeholder saved")
    doomed.kill9()
    killed = time.monotonic()
    # The card, not the placeholder the doomed replica posted beside its create (issue 15).
    wait_for(
        lambda: any("IR-" in a["text"] for a in announcements(stack.slack, title)),
        timeout=90,
        what="the takeover",
    )
    elapsed = time.monotonic() - killed
    figures.timing("takeover of a kill -9'd replica's declaration (defaults, Redis)", elapsed)
    print(f"\nthe survivor announced {elapsed:.1f}s after the kill")
    assert "resuming declaration" in survivor.log()
    assert_exactly_once(stack, title, settle=1.0)
    assert elapsed < TAKEOVER_BOUND
