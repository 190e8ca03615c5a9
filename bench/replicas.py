"""Figure 3b, surge over replicas: figure 3's surge spread over replicas sharing one Redis.

Each replica is `python -m bot` with REDIS_URL set, against the same emulators; modals
and submissions go to the replicas in turn. The ledgers are reconciled from Redis, and
the 429s Datadog answered are counted: each replica learns the limit only from its own
429s, so this shows whether they need to share it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict
from typing import Any

from bench.common import (
    Emulators,
    Served,
    free_port,
    send_slash,
    send_submission,
    view_for,
    wait_until,
)
from bench.stats import latency_summary
from bench.surge import ACK_LIMIT, CREATE_ROUTE, SurgePlan, _reconcile
from bot.emulators.slack.inbound import declare_form_values


class PrivateRedis:
    """redis-server on a free loopback port, nothing on disk; skipped when not installed."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.TemporaryDirectory(prefix="declare-bot-bench-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PrivateRedis:
        if self.binary is None:
            raise RuntimeError("redis-server is not on PATH")
        self._process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", self._dir.name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), 10, "redis-server", 0.05)
        client.close()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._dir.cleanup()


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - not up yet
        return False


def measure_replica_surge(latency: float, plan: SurgePlan, replicas: int) -> dict[str, Any]:
    from bot.store.redis_store import RedisStore

    with ExitStack() as running:
        redis = running.enter_context(PrivateRedis())
        emulators = Emulators(latency).start()
        running.callback(emulators.stop)
        env = {**emulators.env(), "REDIS_URL": redis.url}
        bots = [
            running.enter_context(Served(["-m", "bot"], env, f"replica-{i}").start())
            for i in range(replicas)
        ]
        time.sleep(1.0)
        people = [emulators.add_person() for _ in range(plan.people)]

        def open_one(i: int) -> tuple[str, dict[str, Any]]:
            user = people[i % len(people)]
            trigger, _, ack = send_slash(bots[i % replicas], emulators, user)
            assert ack.status_code == 200, ack.text
            return user, wait_until(lambda: view_for(emulators, trigger), 60, "a modal", 0.02)

        with ThreadPoolExecutor(8) as pool:
            opened = list(pool.map(open_one, range(plan.submissions)))
        wait_until(
            lambda: len(emulators.datadog.calls("/api/v2/users")) >= len(people),
            60,
            "the commander lookups",
            0.02,
        )
        time.sleep(latency + 0.5)
        emulators.datadog.rate_limit(CREATE_ROUTE, limit=plan.limit, period=plan.period)
        acks: list[float] = []
        refused: list[str] = []
        lock = threading.Lock()
        interval = plan.window / plan.submissions
        start = time.monotonic() + 0.05

        def submit(i: int) -> None:
            user, view = opened[i]
            values = declare_form_values(title=f"Surge {i:03d}: checkout 5xx", commander=user)
            time.sleep(max(0.0, start + i * interval - time.monotonic()))
            sent, response = send_submission(bots[i % replicas], emulators, view, values, user)
            took = time.monotonic() - sent
            ok = response.status_code == 200 and response.json().get("response_action") == "update"
            with lock:
                acks.append(took)
                if not ok:
                    refused.append(f"{response.status_code} {response.text[:200]}")

        with ThreadPoolExecutor(min(64, plan.submissions)) as pool:
            list(pool.map(submit, range(plan.submissions)))
        store = RedisStore.from_url(redis.url)
        accepted = plan.submissions - len(refused)

        def finished() -> bool:
            return sum(r.step.value in ("done", "failed") for r in store.all()) >= accepted

        try:
            wait_until(finished, plan.drain_timeout, "the surge to drain", 0.25)
            drained = True
        except TimeoutError:
            drained = False
        time.sleep(latency + 0.1)
        records = store.all()
        store.close()
        ledger = _reconcile(emulators, records, start, plan.submissions)
        return {
            "plan": asdict(plan),
            "replicas": replicas,
            "ack": latency_summary(acks),
            "acks_over_3s": sum(1 for a in acks if a > ACK_LIMIT),
            "refused": refused,
            "drained": drained,
            "drain_floor_s": plan.drain_floor(latency),
            "rate_limited_429s": ledger["create_rejections"],
            **ledger,
        }
