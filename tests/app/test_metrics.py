"""GET /metrics over real HTTP: counters move with declarations, failures, retries and 429s.

Scraped from METRICS_PORT only, in both transports: the stack's (in process, METRICS_PORT=0)
and a real `python -m bot` process's. The Slack port (PORT) answers 404 for /metrics: it
faces the internet without credentials. Labels never carry user text or ids.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.incident.declaration import Declaration, Origin
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.personas import ALICE, INCIDENTS, TEAM, seed
from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import slash_command_body
from bot.emulators.slack.socket_mode import SocketModeServer
from bot.emulators.stack import LocalStack
from bot.metrics import endpoint_template, slack_method
from tests.bot_process import BotProcess, bot_env
from tests.exactly_once import click_retry
from tests.redis_server import free_port

CREATE = "POST /api/v2/incidents"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """{(sample name, sorted labels): value} of a scrape."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def scrape(url: str) -> tuple[str, Samples]:
    response = httpx.get(url + "/metrics", timeout=5.0)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text, parse(response.text)


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    """The usual stack with METRICS_PORT=0: metrics on a free port of their own."""
    with LocalStack(env={"METRICS_PORT": "0"}) as running:
        yield running


def metrics_url(stack: LocalStack) -> str:
    assert stack.metrics_server is not None, "METRICS_PORT is set, so metrics are served"
    return f"http://127.0.0.1:{stack.metrics_server.port}"


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_a_declaration_moves_the_counters(stack: LocalStack) -> None:
    _, before = scrape(metrics_url(stack))
    assert value(before, "declare_bot_declarations_total", outcome="done") == 0
    # Every step's histogram is there from the start, the lifecycle's `update` included.
    for step in ("resolve", "create", "announce", "thread_reply", "update"):
        assert ("declare_bot_step_duration_seconds_count", (("step", step),)) in before

    stack.declare("Checkout API 5xx in eu-west-1")
    stack.wait_done()
    text, after = scrape(metrics_url(stack))

    assert moved(before, after, "declare_bot_declarations_total", outcome="done") == 1
    assert moved(before, after, "declare_bot_declarations_total", outcome="failed") == 0
    for step in ("resolve", "create", "announce", "thread_reply"):
        assert moved(before, after, "declare_bot_step_duration_seconds_count", step=step) == 1
    assert value(after, "declare_bot_step_duration_seconds_count", step="update") == 0
    created = {"method": "POST", "endpoint": "/api/v2/incidents", "status": "201"}
    assert moved(before, after, "declare_bot_datadog_requests_total", **created) == 1
    posted = {"method": "chat.postMessage", "outcome": "ok"}
    assert moved(before, after, "declare_bot_slack_api_calls_total", **posted) >= 2
    assert value(after, "declare_bot_slack_api_calls_total", method="views.open", outcome="ok")
    assert value(after, "declare_bot_pending_declarations") >= 0
    assert "process_resident_memory_bytes" in text
    # No user text, person, channel, key or incident id in any label or value.
    (record,) = stack.services.store.all()
    for private in ("Checkout", ALICE, INCIDENTS, record.key, str(record.incident_id)):
        assert private not in text
    for secret in stack.settings.secret_values():
        assert secret not in text


def test_a_403_counts_a_failure_and_retry_a_retried_declaration(stack: LocalStack) -> None:
    _, before = scrape(metrics_url(stack))
    stack.datadog.inject(CREATE, status=403, body={"errors": ["Forbidden"]})
    stack.declare("DB down")
    stack.wait_done()
    _, failed = scrape(metrics_url(stack))
    assert moved(before, failed, "declare_bot_declarations_total", outcome="failed") == 1
    assert moved(before, failed, "declare_bot_declarations_total", outcome="done") == 0
    refused = {"method": "POST", "endpoint": "/api/v2/incidents", "status": "403"}
    assert moved(before, failed, "declare_bot_datadog_requests_total", **refused) == 1
    assert moved(before, failed, "declare_bot_step_duration_seconds_count", step="create") == 1

    (record,) = stack.services.store.all()
    assert click_retry(stack, record.key) == 200
    deadline = time.monotonic() + 10
    while stack.services.store.get(record.key).step is not Step.DONE:  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the retried declaration did not finish"
        time.sleep(0.02)
    _, after = scrape(metrics_url(stack))
    assert moved(failed, after, "declare_bot_declarations_total", outcome="retried") == 1
    assert moved(failed, after, "declare_bot_declarations_total", outcome="done") == 1


def test_429s_and_their_retries_are_counted(stack: LocalStack) -> None:
    _, before = scrape(metrics_url(stack))
    stack.datadog.inject(CREATE, status=429, headers={"X-RateLimit-Reset": "0"})
    stack.slack.inject("chat.postMessage", "ratelimited", retry_after=0)
    stack.declare("Queue backlog")
    stack.wait_done()
    _, after = scrape(metrics_url(stack))
    limited = {"method": "POST", "endpoint": "/api/v2/incidents", "status": "429"}
    assert moved(before, after, "declare_bot_datadog_requests_total", **limited) == 1
    retried = {"method": "POST", "endpoint": "/api/v2/incidents", "reason": "rate_limited"}
    assert moved(before, after, "declare_bot_datadog_retries_total", **retried) == 1
    again = {"method": "chat.postMessage", "reason": "ratelimited"}
    assert moved(before, after, "declare_bot_slack_api_retries_total", **again) == 1
    assert moved(before, after, "declare_bot_declarations_total", outcome="done") == 1


def test_pending_declarations_and_the_oldest_ones_age(stack: LocalStack) -> None:
    origin = Origin(team_id=TEAM, channel_id=INCIDENTS, user_id=ALICE, trigger_id="t1")
    for i, age in enumerate((30.0, 5.0)):
        key = f"dk-pending{i}"
        declaration = Declaration(
            key=key,
            title="Stuck",
            severity="SEV-2",
            commander_id=ALICE,
            customer_impacted=False,
            origin=origin,
        )
        then = time.time() - age
        record = DeclarationRecord(
            key=key, declaration=declaration, created_at=then, updated_at=then
        )
        stack.services.store.add(record)
    _, samples = scrape(metrics_url(stack))
    assert value(samples, "declare_bot_pending_declarations") == 2
    assert 30 <= value(samples, "declare_bot_oldest_pending_declaration_age_seconds") < 60


def test_labels_are_templates_and_known_methods() -> None:
    assert endpoint_template("/api/v2/incidents") == "/api/v2/incidents"
    assert endpoint_template("/api/v2/incidents/0f3c-uuid") == "/api/v2/incidents/{id}"
    assert (
        endpoint_template("/api/v2/incidents/42/relationships/integrations")
        == "/api/v2/incidents/{id}/relationships/integrations"
    )
    assert endpoint_template("/api/v1/monitor/12345?with=x") == "/api/v1/monitor/{id}"
    assert endpoint_template("/api/v2/users") == "/api/v2/users"
    assert slack_method("views.open") == "views.open"
    assert slack_method("admin.users.remove") == "other"


def test_the_slack_port_answers_404_for_metrics(stack: LocalStack) -> None:
    """PORT serves Slack and the health check only; the counters stay on METRICS_PORT."""
    http, base = stack.caller.http, stack.server.url
    for method in ("GET", "HEAD"):
        assert http.request(method, base + "/metrics").status_code == 404
    openmetrics = {"Accept": "application/openmetrics-text"}
    assert http.get(base + "/metrics", headers=openmetrics).json()["error"] == "not_found"
    text, _ = scrape(metrics_url(stack))
    assert "declare_bot_declarations_total" in text


def test_http_mode_calls_auth_test_at_start_up_and_serves_metrics_on_metrics_port(
    stack: LocalStack, tmp_path: Path
) -> None:
    """The first /declare after a start does not wait for auth.test; a real process serves
    /metrics on METRICS_PORT and not on PORT."""
    port = free_port()
    env = bot_env(stack, STORE_PATH=str(tmp_path / "s.sqlite3"), METRICS_PORT=str(port))
    bot = BotProcess(tmp_path, env).start()
    try:
        assert len(stack.slack.calls("/api/auth.test")) == 1  # before any request
        text, _ = scrape(f"http://127.0.0.1:{port}")
        assert "declare_bot_declarations_total" in text
        assert httpx.get(bot.url + "/metrics", timeout=5.0).status_code == 404
    finally:
        bot.stop()


def test_http_mode_without_metrics_port_serves_no_metrics(
    stack: LocalStack, tmp_path: Path
) -> None:
    bot = BotProcess(tmp_path, bot_env(stack, STORE_PATH=str(tmp_path / "s.sqlite3"))).start()
    try:
        assert httpx.get(bot.url + "/metrics", timeout=5.0).status_code == 404
        assert httpx.get(bot.url + "/healthz", timeout=5.0).json() == {"ok": True}
        assert "metrics off" in bot.log()
    finally:
        bot.stop()


@pytest.fixture
def socket_world() -> Iterator[tuple[SlackEmulator, DatadogEmulator, SocketModeServer]]:
    slack, datadog, socket = SlackEmulator(team_id=TEAM), DatadogEmulator(), SocketModeServer()
    slack.start()
    datadog.start()
    slack.socket_url = socket.start().new_url
    seed(slack, datadog)
    yield slack, datadog, socket
    socket.stop()
    slack.stop()
    datadog.stop()


def test_socket_mode_serves_metrics_on_metrics_port(
    socket_world: tuple[SlackEmulator, DatadogEmulator, SocketModeServer], tmp_path: Path
) -> None:
    slack, datadog, socket = socket_world
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DD_", "METRICS_", "REDIS_", "STORE_", "PORT"))
    }
    env |= {
        "DD_API_KEY": datadog.api_key,
        "DD_APP_KEY": datadog.app_key,
        "DD_API_URL": datadog.url,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.url + "/api/",
        "METRICS_PORT": str(port),
        "STORE_PATH": str(tmp_path / "s.sqlite3"),
    }
    log = (tmp_path / "bot.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        socket.wait_connections(1, timeout=20.0)
        assert len(slack.calls("/api/auth.test")) == 1  # at start-up, not on the first request
        deadline = time.monotonic() + 10
        while True:
            try:
                _, before = scrape(url)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, (tmp_path / "bot.log").read_text()
                time.sleep(0.05)
        body = slash_command_body(
            user_id=ALICE,
            user_name="alice",
            channel_id=INCIDENTS,
            channel_name="incidents",
            trigger_id=slack.issue_trigger(),
            response_url=slack.response_url(),
            team_id=TEAM,
        )
        fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
        socket.wait_ack(socket.send_envelope("slash_commands", fields), timeout=5.0)
        deadline = time.monotonic() + 10
        opened = {"method": "views.open", "outcome": "ok"}
        while moved(before, scrape(url)[1], "declare_bot_slack_api_calls_total", **opened) < 1:
            assert time.monotonic() < deadline, "views.open was not counted"
            time.sleep(0.05)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_lifecycle_update_is_timed_as_the_update_step(stack: LocalStack) -> None:
    from bot.slack.common.ids import RESOLVE_ACTION
    from tests.card_actions import open_modal, thread_notes, wait_for, with_changes

    stack.declare("Payments down")
    stack.wait_done()
    _, before = scrape(metrics_url(stack))
    view = open_modal(stack, RESOLVE_ACTION)
    response = stack.submit(view, with_changes(view, resolution_note="Rolled back"))
    assert response.status_code == 200, response.text
    wait_for(lambda: thread_notes(stack), what="the resolve note")
    deadline = time.monotonic() + 5
    while True:
        _, after = scrape(metrics_url(stack))
        if moved(before, after, "declare_bot_step_duration_seconds_count", step="update") == 1:
            break
        assert time.monotonic() < deadline, "the update step was not timed"
        time.sleep(0.02)
    patched = {"method": "PATCH", "endpoint": "/api/v2/incidents/{id}", "status": "200"}
    assert moved(before, after, "declare_bot_datadog_requests_total", **patched) == 1
    assert moved(
        before, after, "declare_bot_slack_api_calls_total", method="chat.update", outcome="ok"
    )
