"""Figure 11, reminders: the scheduler's cost per minute grows with the reminders due, not
with the incidents open.

One run, side by side: 500 open / 0 due, 500 open / 50 due, 50 open / 50 due. Each scenario
is a fresh SQLite store holding that many cards and cadences (the due ones declared 16
minutes ago at SEV-1, the others just now) and the real scheduler posting through the real
Slack client to the loopback Slack emulator. A minute at the default DECLARE_REMINDER_TICK
(30 s) is two ticks; counted: store reads and writes (every call the scheduler makes on
the store), Slack calls (at the emulator) and the ticks' wall time.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, cast

from slack_sdk import WebClient

from bot.domain.cadence.policy import ReminderPolicy
from bot.domain.cadence.schedule import started
from bot.domain.cadence.scheduler import CadenceCards, ReminderScheduler, SchedulePolicy
from bot.domain.incident.state import IncidentView
from bot.domain.lifecycle.record import IncidentCard, card_key
from bot.emulators.personas import INCIDENTS
from bot.emulators.slack import SlackEmulator
from bot.slack.cadence.notices import SlackCadence
from bot.slack.common.signed_buttons import ButtonSigner
from bot.store.redis_store import RedisStore
from bot.store.sqlite import SqliteStore

SCENARIOS = ((500, 0), (500, 50), (50, 50))
"""(open incidents, reminders due)."""
TICKS_PER_MINUTE = 2
POLICY = ReminderPolicy.from_settings("SEV-1=15m", "4h")
READS = ("get_cadence", "get_card", "due_cadences")
WRITES = ("save_cadence", "claim_card", "release_card")


class Counted:
    """The store, counting every call the scheduler makes on it, by method."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not callable(found):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return found(*args, **kwargs)

        return counted


def _seed(store: SqliteStore, slack: WebClient, open_count: int, due: int, now: float) -> None:
    for n in range(open_count):
        posted = slack.chat_postMessage(channel=INCIDENTS, text=f"IR-{n + 1}")
        ts = str(posted["ts"])
        view = IncidentView(incident_id=f"inc-{n}", public_id=n + 1, severity="SEV-1")
        card = IncidentCard(
            key=card_key(INCIDENTS, ts),
            incident_id=view.incident_id,
            channel=INCIDENTS,
            ts=ts,
            thread_ts=ts,
            origin_channel=INCIDENTS,
            shown=view,
        )
        store.add_card(card)
        began = now - 16 * 60 if n < due else now
        store.add_cadence(started(card.key, card.incident_id, "SEV-1", "active", POLICY, began))


def measure(
    open_count: int, due: int, emulator: SlackEmulator, redis_url: str | None = None
) -> dict[str, Any]:
    """One scenario on a fresh SQLite file, or on Redis (a prefix of its own) when given."""
    client = WebClient(token=emulator.bot_token, base_url=emulator.url + "/api/")
    with tempfile.TemporaryDirectory() as tmp:
        store: Any = (
            RedisStore.from_url(redis_url, prefix=f"bench-{open_count}-{due}")
            if redis_url
            else SqliteStore(Path(tmp) / "bench.sqlite3")
        )
        try:
            now = time.time()
            _seed(store, client, open_count, due, now)
            counted = Counted(store)
            notices = SlackCadence(client, ButtonSigner("bench"), POLICY)
            scheduler = ReminderScheduler(
                cast(CadenceCards, counted),
                notices,
                POLICY,
                schedule=SchedulePolicy(interval=30.0),
                clock=lambda: now,
            )
            slack_before = len(emulator.calls("/api/chat.postMessage"))
            started_at = time.perf_counter()
            posted = sum(scheduler.tick().reminders for _ in range(TICKS_PER_MINUTE))
            elapsed = time.perf_counter() - started_at
            slack_calls = len(emulator.calls("/api/chat.postMessage")) - slack_before
        finally:
            store.close()
    return {
        "store": "redis" if redis_url else "sqlite",
        "open": open_count,
        "due": due,
        "reminders": posted,
        "store_reads": sum(counted.calls.get(m, 0) for m in READS),
        "store_writes": sum(counted.calls.get(m, 0) for m in WRITES),
        "slack_calls": slack_calls,
        "ms": round(elapsed * 1000, 1),
    }


def figure_reminders(log: Any = print) -> dict[str, Any]:
    """SQLite, then Redis when redis-server is installed (a private one, nothing on disk)."""
    from bench.replicas import PrivateRedis

    with ExitStack() as running:
        emulator = running.enter_context(SlackEmulator())
        emulator.add_channel(INCIDENTS, "incidents", is_member=True)
        urls: list[str | None] = [None]
        if shutil.which("redis-server"):
            urls.append(running.enter_context(PrivateRedis()).url)
        rows = []
        for url in urls:
            for open_count, due in SCENARIOS:
                rows.append(measure(open_count, due, emulator, url))
                log(f"reminders: {open_count} open / {due} due measured ({rows[-1]['store']})")
    return {
        "reminders": {
            "what": "the reminder scheduler's cost per minute (2 ticks at 30 s): store reads "
            "and writes, Slack calls, wall time",
            "rows": rows,
            "grows_with_due_not_open": all(
                rows[i]["store_reads"] == TICKS_PER_MINUTE
                and rows[i + 1]["store_reads"] == rows[i + 2]["store_reads"]
                and rows[i + 1]["slack_calls"] == rows[i + 2]["slack_calls"] == 50
                for i in range(0, len(rows), 3)
            ),
        }
    }


if __name__ == "__main__":
    import json

    print(json.dumps(figure_reminders(), indent=2))
