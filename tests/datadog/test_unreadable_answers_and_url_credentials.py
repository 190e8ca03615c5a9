"""Issue 11 M3 and L3: unreadable Datadog answers and credentials in DD_API_URL.

Real HTTP against the Datadog emulator; the emulator's fault injection answers 200 with an
empty body (`status=200, body=""`).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import DatadogError, DatadogUnreadableResponse
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.personas import ALICE
from bot.emulators.stack import LocalStack


@pytest.fixture
def emulator() -> Iterator[DatadogEmulator]:
    with DatadogEmulator() as running:
        yield running


def client_for(emulator: DatadogEmulator) -> DatadogClient:
    return DatadogClient(
        emulator.api_key,
        emulator.app_key,
        base_url=emulator.url,
        timeout=httpx.Timeout(5.0),
        retry=RetryPolicy(sleep=lambda _: None, backoff=0.01),
    )


# --- M3: a 2xx whose body can't be read ---------------------------------------------------


def test_submit_with_an_empty_200_from_users_shows_why_under_the_commander(
    stack: LocalStack,
) -> None:
    # Every users read answers 200 with nothing, the prefetch at open as well as submit's.
    stack.datadog.inject("GET /api/v2/users", status=200, body="", times=50)
    response = stack.declare("DB down", commander=ALICE)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["response_action"] == "errors", answer
    message = answer["errors"]["commander"]
    assert "could not be read" in message and "/api/v2/users" in message
    assert "retry" in message.lower()
    assert stack.datadog.created_bodies() == []


@pytest.mark.parametrize("body", ["", "{", "[]", '{"data": "not a list"}'])
def test_every_read_turns_an_unreadable_200_into_a_typed_error(
    emulator: DatadogEmulator, body: str
) -> None:
    client = client_for(emulator)
    reads = {
        "GET /api/v2/users": lambda: client.find_active_user_by_email("jane@example.com"),
        "GET /api/v2/incidents/search": lambda: client.search_incidents("state:active"),
        "GET /api/v2/incidents": lambda: client.list_incidents(),
        "GET /api/v2/incidents/{id}": lambda: client.get_incident("nope"),
        "GET /api/v2/incidents/config/types": client.list_incident_types,
        "GET /api/v2/incidents/config/user-defined-fields": client.list_all_user_defined_fields,
    }
    try:
        for route, read in reads.items():
            emulator.inject(route, status=200, body=body)
            with pytest.raises(DatadogUnreadableResponse) as caught:
                read()
            error = caught.value
            assert isinstance(error, DatadogError)
            assert error.status == 200 and not error.ambiguous
            assert "could not be read" in error.user_message, route
    finally:
        client.close()


def test_an_unreadable_create_answer_may_have_made_the_incident(emulator: DatadogEmulator) -> None:
    from tests.datadog.test_client import seed_request

    commander = emulator.add_user("jane@example.com")
    emulator.inject("POST /api/v2/incidents", status=201, body="")
    client = client_for(emulator)
    try:
        with pytest.raises(DatadogUnreadableResponse) as caught:
            client.create_incident(seed_request(emulator, commander))
    finally:
        client.close()
    assert caught.value.ambiguous, "a 2xx to a create may have made the incident"


# --- L3: credentials in DD_API_URL are never shown ------------------------------------------

PROXY_SECRET = "pr0xy-s3cret-pass"


def proxy_url(port: int) -> str:
    """A proxy-style DD_API_URL with user:password, as a corporate egress proxy would take."""
    return f"http://proxyuser:{PROXY_SECRET}@127.0.0.1:{port}"


def test_a_connection_error_shown_to_the_declarer_hides_the_url_credentials() -> None:
    from tests.redis_server import free_port

    port = free_port()  # nothing listens: Datadog is unreachable
    with LocalStack(env={"DD_API_URL": proxy_url(port)}) as stack:
        response = stack.declare("DB down", commander=ALICE)
    assert response.status_code == 200, response.text
    message = response.json()["errors"]["commander"]
    assert "Could not reach Datadog" in message and f"127.0.0.1:{port}" in message
    assert PROXY_SECRET not in message and "proxyuser" not in message


def test_check_output_hides_the_url_credentials(stack: LocalStack) -> None:
    import io

    from bot.check import run_check
    from tests.redis_server import free_port

    port = int(stack.datadog.url.rsplit(":", 1)[1])
    for url in (proxy_url(port), proxy_url(free_port())):  # reachable, then unreachable
        out = io.StringIO()
        run_check(stack.make_settings(DD_API_URL=url), out=out)
        output = out.getvalue()
        assert "127.0.0.1:" in output, output
        assert PROXY_SECRET not in output and "proxyuser" not in output, output


def test_logs_of_a_running_bot_hide_the_url_credentials(tmp_path) -> None:
    import subprocess
    import sys
    import time

    from tests.app.test_check import clean_environ
    from tests.redis_server import free_port

    env = clean_environ(
        DD_API_KEY="dd-api-key-for-the-test",
        DD_APP_KEY="dd-app-key-for-the-test",
        DD_API_URL=proxy_url(free_port()),
        SLACK_BOT_TOKEN="xoxb-for-the-test",
        SLACK_SIGNING_SECRET="signing-secret-for-the-test",
        SLACK_API_URL=f"http://slackuser:{PROXY_SECRET}@127.0.0.1:{free_port()}/api/",
        PORT=str(free_port()),
        STORE_PATH=str(tmp_path / "store.sqlite3"),
    )
    log_path = tmp_path / "bot.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--mode", "http"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:  # the org config warm-up fails to connect and says so in the log
            deadline = time.monotonic() + 30.0
            while time.monotonic() < deadline:
                if "reading the org config from Datadog failed" in log_path.read_text():
                    break
                time.sleep(0.1)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    logs = log_path.read_text()
    assert "reading the org config from Datadog failed" in logs, logs
    assert "127.0.0.1:" in logs
    assert PROXY_SECRET not in logs and "proxyuser" not in logs, logs


def test_userinfo_is_taken_out_of_urls_and_given_to_the_redactor() -> None:
    from bot.logs import RedactingFilter, hide_userinfo, userinfo_secrets

    text = "cannot connect to https://u:p%40ss-word@proxy.example:8443/api (and http://h/x)"
    assert hide_userinfo(text) == (
        "cannot connect to https://proxy.example:8443/api (and http://h/x)"
    )
    assert set(userinfo_secrets("https://u:p%40ss-word@proxy.example")) >= {
        "p%40ss-word",
        "p@ss-word",
    }
    assert userinfo_secrets("https://proxy.example") == []
    masked = RedactingFilter(userinfo_secrets("https://u:p%40ss-word@h")).redact(
        "decoded p@ss-word, and https://u:p%40ss-word@h/"
    )
    assert "p@ss-word" not in masked and "p%40ss-word" not in masked
