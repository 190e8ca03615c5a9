"""Prometheus metrics: what an operator scrapes at GET /metrics on METRICS_PORT
(docs/metrics.md); never on the Slack port, which faces the internet without credentials.

Every label takes values from a closed set (outcomes, steps, known Slack methods, the
templates of bot/datadog/endpoints.py, HTTP statuses): no keys, titles, user ids or raw
incident ids, so the series stay few. Each `Metrics` has its own registry, so two bots in
one process (tests) never share counters. The domain reports through `RunObserver`
(ports.py) and never imports this module.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import start_http_server
from prometheus_client.process_collector import ProcessCollector

from bot.datadog.endpoints import endpoint_label
from bot.domain.declare.ports import DeclarationStore
from bot.domain.reliability.observer import Outcome, RecordKind, TimedStep
from bot.slack.common.scopes import APP_TOKEN_METHODS, METHOD_SCOPES

log = logging.getLogger(__name__)

PREFIX = "declare_bot"
STEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
"""Seconds: one call at Slack's or Datadog's usual latency up to a create held by 429s."""
SLACK_METHODS = frozenset(METHOD_SCOPES) | frozenset(APP_TOKEN_METHODS)
PENDING_CACHE = 5.0
"""Seconds a reading of the store's pending set serves scrapes: a scrape storm reads it once."""


def endpoint_template(path: str) -> str:
    """`/api/v2/incidents/abc-123/relationships/integrations` → `.../{id}/relationships/...`:
    the endpoint table's row for the path (its parameters as `{id}`), else `other`."""
    return endpoint_label(path)


def slack_method(name: str) -> str:
    """A Web API method the bot knows, else `other` (labels never take arbitrary text)."""
    return name if name in SLACK_METHODS else "other"


class Metrics:
    """The bot's metrics on their own registry; thread-safe (prometheus_client locks)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.declarations = Counter(
            f"{PREFIX}_declarations",
            "Declarations by outcome: done, failed (the person got Retry), retried.",
            ["outcome"],
            registry=r,
        )
        self.step_seconds = Histogram(
            f"{PREFIX}_step_duration_seconds",
            "Duration of each declaration step, retries and waits included.",
            ["step"],
            buckets=STEP_BUCKETS,
            registry=r,
        )
        self.datadog_requests = Counter(
            f"{PREFIX}_datadog_requests",
            "Datadog API responses (and transport errors) by method, endpoint template, status.",
            ["method", "endpoint", "status"],
            registry=r,
        )
        self.datadog_retries = Counter(
            f"{PREFIX}_datadog_retries",
            "Datadog requests sent again, by endpoint template and why.",
            ["method", "endpoint", "reason"],
            registry=r,
        )
        self.slack_calls = Counter(
            f"{PREFIX}_slack_api_calls",
            "Slack Web API calls by method and outcome: ok, ratelimited, error, "
            "connection_error (after the client's own retries).",
            ["method", "outcome"],
            registry=r,
        )
        self.slack_retries = Counter(
            f"{PREFIX}_slack_api_retries",
            "Slack Web API calls sent again by the client, by method and why.",
            ["method", "reason"],
            registry=r,
        )
        self.unreadable_rows = Counter(
            f"{PREFIX}_store_unreadable_rows",
            "Stored rows skipped because they can't be read (each counted once per process), "
            "by kind: declaration, card, update.",
            ["kind"],
            registry=r,
        )
        self.reminders = Counter(
            f"{PREFIX}_reminders",
            "Reminders posted (kind: update, resolve) and dismissed (snoozed, stopped).",
            ["event"],
            registry=r,
        )
        self.status_updates = Counter(
            f"{PREFIX}_status_updates",
            "Status updates posted (from the modal or /declare update).",
            registry=r,
        )
        for event in ("update", "resolve", "snoozed", "stopped"):
            self.reminders.labels(event)
        ProcessCollector(registry=r)
        for kind in RecordKind:
            self.unreadable_rows.labels(kind.value)
        for outcome in Outcome:
            self.declarations.labels(outcome.value)
        for step in TimedStep:
            self.step_seconds.labels(step.value)

    # --- RunObserver (bot/domain/declare/ports.py) -------------------------------------------

    def step_timed(self, step: TimedStep, seconds: float) -> None:
        self.step_seconds.labels(step.value).observe(seconds)

    def declaration_ended(self, outcome: Outcome) -> None:
        self.declarations.labels(outcome.value).inc()

    # --- CadenceObserver (bot/domain/cadence/scheduler.py) --------------------------------

    def reminder_sent(self, kind: str) -> None:
        self.reminders.labels(kind).inc()

    def reminders_dismissed(self, how: str) -> None:
        self.reminders.labels(how).inc()

    def status_posted(self) -> None:
        self.status_updates.inc()

    def watch_overdue(self, count: Callable[[], int]) -> None:
        """Export the incidents whose update is overdue now, read at scrape time."""
        self.registry.register(OverdueCollector(count))

    # --- the wire ---------------------------------------------------------------------

    def datadog_response(self, method: str, path: str, status: int | str) -> None:
        self.datadog_requests.labels(method.upper(), endpoint_template(path), str(status)).inc()

    def datadog_retry(self, method: str, path: str, reason: str) -> None:
        self.datadog_retries.labels(method.upper(), endpoint_template(path), reason).inc()

    def slack_call(self, method: str, outcome: str) -> None:
        self.slack_calls.labels(slack_method(method), outcome).inc()

    def slack_retry(self, method: str, reason: str) -> None:
        self.slack_retries.labels(slack_method(method), reason).inc()

    # --- the store ----------------------------------------------------------------------

    def watch_store(self, store: DeclarationStore) -> None:
        """Export the pending declarations and the oldest one's age, read at scrape time,
        and count the rows the store skips as unreadable."""
        self.registry.register(PendingCollector(store))
        if isinstance(store, WatchesUnreadable):
            store.rows.watch_unreadable(self.unreadable_row)

    def unreadable_row(self, kind: RecordKind) -> None:
        self.unreadable_rows.labels(kind.value).inc()

    # --- serving ------------------------------------------------------------------------

    def serve(self, port: int, addr: str = "0.0.0.0") -> MetricsServer:
        """Serve GET /metrics on a port of its own, in either transport: the text format, or
        OpenMetrics when the scraper asks for it. Port 0 picks a free one."""
        server, thread = start_http_server(port, addr=addr, registry=self.registry)
        return MetricsServer(server, thread)


@runtime_checkable
class WatchesUnreadable(Protocol):
    """A store that skips unreadable rows (bot/store/rows.py) and tells who watches."""

    @property
    def rows(self) -> _Rows: ...


class _Rows(Protocol):
    def watch_unreadable(self, observer: Callable[[RecordKind], None]) -> None: ...


class MetricsServer:
    """The metrics port's server; `stop()` closes it."""

    def __init__(self, server: Any, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class PendingCollector:
    """Pending declarations and the oldest one's age, from one read of the pending set.

    The reading is cached for PENDING_CACHE seconds; if the store can't answer, the two
    gauges are left out of that scrape (and the log says why) rather than failing it.
    """

    def __init__(self, store: DeclarationStore, clock: Callable[[], float] = time.monotonic):
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._read_at = -PENDING_CACHE
        self._reading: tuple[int, float] | None = None

    def _read(self) -> tuple[int, float] | None:
        with self._lock:
            if self._clock() - self._read_at < PENDING_CACHE:
                return self._reading
            try:
                pending = self._store.pending()
                now = self._store.now()
            except Exception as exc:  # noqa: BLE001 - a scrape must not fail with the store
                log.warning("metrics: cannot read pending declarations: %s", type(exc).__name__)
                self._reading = None
            else:
                oldest = min((r.created_at for r in pending), default=now)
                self._reading = (len(pending), max(0.0, now - oldest))
            self._read_at = self._clock()
            return self._reading

    def describe(self) -> Iterable[Metric]:
        """Names only, so registering does not read the store."""
        yield GaugeMetricFamily(f"{PREFIX}_pending_declarations", "")
        yield GaugeMetricFamily(f"{PREFIX}_oldest_pending_declaration_age_seconds", "")

    def collect(self) -> Iterable[Metric]:
        reading = self._read()
        if reading is None:
            return
        count, age = reading
        yield GaugeMetricFamily(
            f"{PREFIX}_pending_declarations",
            "Declarations stored and not yet done or failed (all replicas sharing the store).",
            value=count,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_oldest_pending_declaration_age_seconds",
            "Age of the oldest pending declaration; 0 when none is pending.",
            value=age,
        )


class OverdueCollector:
    """Incidents reminded and not updated since (one indexed count; all replicas)."""

    def __init__(self, count: Callable[[], int]) -> None:
        self._count = count

    def describe(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(f"{PREFIX}_overdue_incidents", "")

    def collect(self) -> Iterable[Metric]:
        try:
            value = self._count()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail with the store
            log.warning("metrics: cannot count overdue incidents: %s", type(exc).__name__)
            return
        yield GaugeMetricFamily(
            f"{PREFIX}_overdue_incidents",
            "Open incidents reminded for a status update and not updated since.",
            value=value,
        )
