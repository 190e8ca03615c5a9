"""HTTP mode trusts only requests Slack signed in the last five minutes; logs keep no secrets.

Signatures: Slack's v0 HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the signing
secret. Secrets: every token and key the bot holds, searched for in its own log output
(DEBUG, text and JSON) after a declaration, a failed one, and forged requests.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import httpx
import pytest

from bot.emulators.personas import ALICE, INCIDENTS, TEAM
from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import payload_body, slash_command_body, view_submission
from bot.emulators.stack import SIGNING_SECRET, LocalStack
from tests import figures
from tests.bot_process import BotProcess, bot_env, open_modal, submission
from tests.exactly_once import wait_for

FIVE_MINUTES = 5 * 60


def slash_body(stack: LocalStack) -> bytes:
    return slash_command_body(
        user_id=ALICE,
        channel_id=INCIDENTS,
        trigger_id=stack.slack.issue_trigger(),
        response_url=stack.slack.response_url(),
        team_id=TEAM,
    )


def forged(stack: LocalStack, body: bytes) -> dict[str, httpx.Response]:
    """The same body sent every wrong way; each answer by how it was wrong."""
    caller, now = stack.caller, int(time.time())
    other = slash_body(stack)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answers = {
        "unsigned": caller.http.post(caller.url, content=body, headers=headers),
        "wrong secret": caller.post(body, secret="not-the-signing-secret"),
        "stale (5 min 1 s)": caller.post(body, timestamp=now - FIVE_MINUTES - 1),
        "stale (1 day)": caller.post(body, timestamp=now - 86_400),
        "from the future (6 min)": caller.post(body, timestamp=now + 6 * 60),
        "signature of another body": caller.http.post(
            caller.url,
            content=body,
            headers={
                **headers,
                **_signature_of(other, now),
            },
        ),
        "timestamp not a number": caller.http.post(
            caller.url,
            content=body,
            headers={
                **headers,
                "X-Slack-Request-Timestamp": "yesterday",
                "X-Slack-Signature": _signature_of(body, now)["X-Slack-Signature"],
            },
        ),
        "signature without v0=": caller.http.post(
            caller.url,
            content=body,
            headers={
                **headers,
                "X-Slack-Request-Timestamp": str(now),
                "X-Slack-Signature": _signature_of(body, now)["X-Slack-Signature"][3:],
            },
        ),
    }
    figures.bad_input("forged or stale signed requests", len(answers))
    return answers


def _signature_of(body: bytes, timestamp: int) -> dict[str, str]:
    from bot.emulators.slack.inbound import sign

    return sign(SIGNING_SECRET, body, timestamp)


def refused(answers: dict[str, httpx.Response]) -> None:
    assert {how: r.status_code for how, r in answers.items()} == dict.fromkeys(answers, 401)


def test_forged_and_stale_slash_commands_are_refused(stack: LocalStack) -> None:
    refused(forged(stack, slash_body(stack)))
    assert stack.slack.calls("/api/views.open") == []


def test_forged_submissions_store_nothing(stack: LocalStack) -> None:
    stack.slash()
    view = stack.opened_view()
    payload = view_submission(
        view, {}, user_id=ALICE, trigger_id=stack.slack.issue_trigger(), team_id=TEAM
    )
    refused(forged(stack, payload_body(payload)))
    assert stack.services.store.all() == []


def test_a_request_signed_four_minutes_ago_is_accepted(stack: LocalStack) -> None:
    response = stack.caller.post(slash_body(stack), timestamp=int(time.time()) - 4 * 60)
    assert response.status_code == 200
    stack.slack.wait_for("/api/views.open")


def test_only_the_events_endpoint_and_health_answer(stack: LocalStack) -> None:
    http, base = stack.caller.http, stack.caller.url.removesuffix("/slack/events")
    assert http.get(base + "/slack/events").status_code == 404
    assert http.post(base + "/admin", content=b"x").status_code == 404
    assert http.get(base + "/healthz").json() == {"ok": True}
    assert http.get(base + "/metrics").status_code == 404  # metrics live on METRICS_PORT


def test_head_answers_carry_no_body(stack: LocalStack) -> None:
    """A body after a HEAD answer is read as the next response on a kept-alive connection."""
    http, base = stack.caller.http, stack.caller.url.removesuffix("/slack/events")
    for path, status in (("/healthz", 200), ("/nothing", 404), ("/healthz", 200)):
        response = http.head(base + path)
        assert (response.status_code, response.content) == (status, b"")
    assert http.get(base + "/healthz").json() == {"ok": True}  # the same connection, intact


# --- secrets in logs -----------------------------------------------------------------


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_logs_never_carry_secrets(stack: LocalStack, tmp_path: Path, log_format: str) -> None:
    """DEBUG logs of a real process through a declaration, a failure and forged requests."""
    bot_token = "xoxb-" + secrets.token_hex(16)
    stack.slack.set_scopes(bot_token, SlackEmulator.BOT_SCOPES)
    stack.datadog.api_key = "ddapi" + secrets.token_hex(16)
    stack.datadog.app_key = "ddapp" + secrets.token_hex(20)
    signing_secret = "sign" + secrets.token_hex(16)
    env = bot_env(
        stack,
        SLACK_BOT_TOKEN=bot_token,
        DD_API_KEY=stack.datadog.api_key,
        DD_APP_KEY=stack.datadog.app_key,
        SLACK_SIGNING_SECRET=signing_secret,
        STORE_PATH=str(tmp_path / "declare.sqlite3"),
        LOG_LEVEL="DEBUG",
        LOG_FORMAT=log_format,
    )
    bot = BotProcess(tmp_path, env, name=f"secrets-{log_format}").start()
    try:
        view = open_modal(stack, bot.caller)
        assert (
            bot.caller.interact(submission(stack, view, "Secrets stay secret")).status_code == 200
        )
        wait_for(lambda: len(stack.slack.messages(INCIDENTS)) == 2, what="the announcement")

        stack.datadog.inject("POST /api/v2/incidents", status=403, body={"errors": ["Forbidden"]})
        figures.fault("datadog 403 on create")
        view = open_modal(stack, bot.caller)
        assert bot.caller.interact(submission(stack, view, "Refused")).status_code == 200
        wait_for(lambda: stack.slack.ephemerals(INCIDENTS), what="the failure notice")

        body = slash_command_body(
            user_id=ALICE,
            channel_id=INCIDENTS,
            trigger_id=stack.slack.issue_trigger(),
            response_url=stack.slack.response_url(),
        )
        assert bot.caller.post(body, secret="wrong-" + signing_secret).status_code == 401
        figures.bad_input("forged or stale signed requests")
    finally:
        bot.stop()
    log = bot.log()
    assert "declaration accepted" in log and "DEBUG" in log, "the log covers the run"
    for name, value in {
        "SLACK_BOT_TOKEN": bot_token,
        "DD_API_KEY": stack.datadog.api_key,
        "DD_APP_KEY": stack.datadog.app_key,
        "SLACK_SIGNING_SECRET": signing_secret,
    }.items():
        assert value not in log, f"{name} appears in the {log_format} log"
    # Nor in anything the bot sent to Slack for people to read.
    for method in ("chat.postMessage", "chat.postEphemeral", "views.update", "views.open"):
        for call in stack.slack.calls_of(method):
            sent = str({k: v for k, v in call.items() if k != "token"})
            assert bot_token not in sent and stack.datadog.app_key not in sent
