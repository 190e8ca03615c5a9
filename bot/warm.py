"""Start-up warm-up: the first request's cold code runs before anyone's /declare does.

After a start, the first /declare paid for code nobody had run yet: Bolt's listener
threads (started on first use), the first trip through waitress, the WSGI adapter,
signature verification, Bolt's middleware and listener matching, and the client side
of http.client and urllib that slack_sdk's views.open goes through. `warm_up` starts the
listener threads and sends `/declare help` to the bot itself, signed as Slack signs
it: over loopback in HTTP mode, straight into Bolt in Socket Mode. `help` is answered
in the ack with text, so nothing is called in Slack or Datadog, nothing is stored and
nobody is told anything. It does so ROUNDS times, since Python specializes code that
has run a few times. bot/cli.py then completes the form for a made-up person and calls
`freeze_heap`. Each step is bounded; none is ever in the way of serving.
"""

from __future__ import annotations

import gc
import http.client
import logging
import threading
import time
import urllib.request
from concurrent.futures import Executor, ThreadPoolExecutor
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.slack.common import ids

log = logging.getLogger(__name__)

WARM_TIMEOUT = 2.0
"""Seconds the warm-up may take at most; past them it gives up (the bot serves anyway)."""
ROUNDS = 10
"""Times the path runs: Python specializes code that has run a few times (PEP 659), so
the tenth run through it is faster than the first."""
HELP_FIELDS = {
    "command": ids.COMMAND,
    "text": "help",
    "team_id": "T0WARMUP",
    "channel_id": "C0WARMUP",
    "user_id": "U0WARMUP",
    "user_name": "warm-up",
    "trigger_id": "warm-up",
    "response_url": "",
}
"""A /declare help from nobody: answered in the ack, no call made, nothing stored."""
HELP_BODY = urlencode(HELP_FIELDS)


def prestart(executor: Executor, workers: int, timeout: float = WARM_TIMEOUT) -> int:
    """Start a thread pool's threads now (ThreadPoolExecutor starts one per busy submit).

    `workers` tasks wait for each other, so each runs on a thread of its own; returns
    how many threads met. Tasks go through `executor.submit`, the listeners' path.
    """
    if not isinstance(executor, ThreadPoolExecutor):
        return 0
    barrier = threading.Barrier(workers)

    def meet() -> bool:
        try:
            barrier.wait(timeout)
        except threading.BrokenBarrierError:
            return False
        return True

    futures = [executor.submit(meet) for _ in range(workers)]
    return sum(f.result(timeout + 1) for f in futures)


def signed_headers(secret: str, body: str) -> dict[str, str]:
    """The headers Slack sends with a request body."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None  # None only without a timestamp
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def post_help(url: str, secret: str, rounds: int = ROUNDS, timeout: float = WARM_TIMEOUT) -> int:
    """POST the signed /declare help to the bot's own /slack/events; the last HTTP status.

    Once through urllib (slack_sdk's client code), then on one kept-alive connection, as
    Slack's requests come.
    """
    request = urllib.request.Request(
        url + "/slack/events",
        data=HELP_BODY.encode(),
        headers=signed_headers(secret, HELP_BODY),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
        response.read()
        status = int(response.status)
    host, port = url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        for _ in range(rounds - 1):
            connection.request(
                "POST", "/slack/events", HELP_BODY, signed_headers(secret, HELP_BODY)
            )
            answer = connection.getresponse()
            answer.read()
            status = answer.status
    finally:
        connection.close()
    return status


def dispatch_help(app: App, rounds: int = ROUNDS) -> int:
    """Socket Mode: the same /declare help, straight into Bolt (no signature there)."""
    for _ in range(rounds):
        status = app.dispatch(BoltRequest(body=dict(HELP_FIELDS), mode="socket_mode")).status
    return status


def warm_up(app: App, workers: int, url: str | None = None, secret: str = "") -> float:
    """Start the listener threads and run /declare help through the bot: seconds taken.

    `url`: the bot's own HTTP server (HTTP mode), else Socket Mode. Never raises: a
    warm-up that fails leaves the first request as cold as before, nothing worse.
    """
    started = time.monotonic()
    try:
        met = prestart(app.listener_runner.listener_executor, workers)
        status = post_help(url, secret) if url else dispatch_help(app)
    except Exception as exc:  # noqa: BLE001 - best effort, never in the way of a start
        log.warning("warm-up failed (%s); the first request runs cold", type(exc).__name__)
        return time.monotonic() - started
    took = time.monotonic() - started
    log.info("warm-up done in %.0f ms (%d listener threads, help: %s)", took * 1000, met, status)
    return took


def freeze_heap() -> float:
    """Collect once, then move what start-up built out of the collector's way: seconds.

    Imports and the warm-up leave some 60 000 long-lived objects; a full collection
    scans them all (15-20 ms), and one that falls on a request holds it up.
    `gc.freeze()` keeps them out of later collections (they are never garbage).
    """
    started = time.monotonic()
    gc.collect()
    gc.freeze()
    return time.monotonic() - started
