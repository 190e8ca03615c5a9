"""`declare-bot check` against the emulators: all ✓, then each way a setup goes wrong."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.check import check_links, run_check
from bot.config import SETTINGS
from bot.datadog.sites import SITES
from bot.emulators.stack import LocalStack
from bot.slack.common.scopes import REQUIRED_SCOPES


def check(stack: LocalStack, **overrides: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run_check(stack.make_settings(**overrides), out=out)
    return code, out.getvalue()


def line(output: str, start: str) -> str:
    """The checklist line starting with a mark and `start`, plus its detail lines."""
    lines = output.splitlines()
    for i, text in enumerate(lines):
        if text.strip().startswith(start):
            block = [text]
            for detail in lines[i + 1 :]:
                if not detail.startswith("      "):
                    break
                block.append(detail)
            return "\n".join(block)
    raise AssertionError(f"no line starting {start!r} in:\n{output}")


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without any declare-bot setting, plus `extra`."""
    names = {doc.env for doc in SETTINGS}
    return {k: v for k, v in os.environ.items() if k not in names} | extra


def test_a_good_setup_is_all_ticks(stack: LocalStack) -> None:
    code, output = check(stack)
    assert code == 0, output
    assert "✗" not in output and "–" not in output
    for title in (
        "✓ Configuration is valid",
        "✓ Slack bot token works (auth.test)",
        f"✓ Slack bot token has the {len(REQUIRED_SCOPES)} scopes needed",
        "✓ HTTP mode: SLACK_SIGNING_SECRET is set",
        "✓ Datadog API key is valid for datadoghq.com",
        "✓ Datadog application key can read users",
        "✓ Datadog application key can read incidents",
        "✓ Datadog application key can read incident types",
        "✓ Datadog application key can read responder roles",
        "✓ Datadog application key can read responders",
        "✓ Datadog application key can read monitors",
        "✓ DECLARE_MONITOR_SEVERITY names severities the org offers",
        "✓ Paging On-Call (POST /api/v2/incidents/{id}/page, GET /api/v2/team, optional)",
        "✓ Datadog application key can read incident attachments",
        "✓ Incident links open https://app.datadoghq.com/incidents/<number>",
        "✓ Store: SQLite at declare-bot.sqlite3",
    ):
        assert title in output, output
    assert "All 16 checks passed" in output
    assert not stack.datadog.created_bodies(), "check must only read"
    assert not stack.slack.calls_of("chat.postMessage")


def test_socket_mode_checks_the_app_token(stack: LocalStack) -> None:
    code, output = check(stack, SLACK_APP_TOKEN=stack.slack.app_token)
    assert code == 0, output
    assert "✓ Slack app token opens Socket Mode connections" in output
    assert stack.slack.calls_of("apps.connections.open")


def test_a_wrong_app_token_or_one_without_connections_write(stack: LocalStack) -> None:
    code, output = check(stack, SLACK_APP_TOKEN="xapp-not-this-one")
    assert code == 1
    assert "invalid_auth" in line(output, "✗ Slack app token")
    assert "App-Level Tokens" in line(output, "✗ Slack app token")
    stack.slack.set_scopes(stack.slack.app_token, [])
    code, output = check(stack, SLACK_APP_TOKEN=stack.slack.app_token)
    assert code == 1
    assert "connections:write" in line(output, "✗ Slack app token")


def test_a_wrong_datadog_key(stack: LocalStack) -> None:
    code, output = check(stack, DD_API_KEY="0123456789abcdef-not-the-key")
    assert code == 1
    failure = line(output, "✗ Datadog refused DD_API_KEY (403")
    assert "fix: DD_API_KEY is wrong" in failure
    assert "– Datadog application key can read users" in output  # not tried with a bad key
    assert "0123456789abcdef-not-the-key" not in output


def test_keys_of_another_site(stack: LocalStack) -> None:
    """The emulator is "datadoghq.eu" here and the keys are the US1 org's: Datadog answers 403."""
    stack.datadog.api_key = "us1-org-api-key"
    settings = stack.make_settings(DD_SITE="datadoghq.eu", DD_API_KEY="eu-org-api-key")
    out = io.StringIO()
    assert run_check(settings, out=out) == 1
    failure = line(out.getvalue(), "✗ Datadog refused DD_API_KEY")
    assert "DD_SITE is datadoghq.eu" in failure
    assert all(site in failure for site in SITES), "the fix lists every valid site"
    assert f"tried {stack.datadog.url}" in failure  # the API base it really called
    assert "instead of https://api.datadoghq.eu" in failure


def test_a_missing_slack_scope(stack: LocalStack) -> None:
    granted = [s for s in REQUIRED_SCOPES if s != "users:read.email"]
    stack.slack.set_scopes(stack.slack.bot_token, granted)
    code, output = check(stack)
    assert code == 1
    failure = line(output, "✗ Slack bot token lacks scopes: users:read.email")
    assert "commander's email" in failure  # why it is needed
    assert "Reinstall" in failure and "OAuth & Permissions" in failure
    assert "✓ Slack bot token works" in output


def test_a_revoked_or_wrong_bot_token(stack: LocalStack) -> None:
    code, output = check(stack, SLACK_BOT_TOKEN="xoxb-some-other-workspace")
    assert code == 1
    assert "invalid_auth" in line(output, "✗ Slack bot token works")
    assert "– Slack bot token scopes" in output
    assert "xoxb-some-other-workspace" not in output


def test_an_application_key_without_a_read_permission(stack: LocalStack) -> None:
    stack.datadog.permissions.discard("user_access_read")
    code, output = check(stack)
    assert code == 1
    failure = line(output, "✗ Datadog application key can read users")
    assert "403" in failure and "user_access_read permission" in failure
    assert "✓ Datadog application key can read incidents" in output


def test_the_roles_and_responders_permissions(stack: LocalStack) -> None:
    stack.datadog.add_role("Scribe")
    code, output = check(stack)
    assert code == 0, output
    assert "roles offered in Add responder: Scribe" in line(
        output, "✓ Datadog application key can read responder roles"
    )
    stack.datadog.permissions.discard("incident_settings_read")
    code, output = check(stack)
    assert code == 1
    roles = line(output, "✗ Datadog application key can read responder roles")
    assert "403" in roles and "incident_settings_read permission" in roles
    stack.datadog.permissions.add("incident_settings_read")
    stack.datadog.permissions.discard("incident_read")
    code, output = check(stack)
    responders = line(output, "✗ Datadog application key can read responders")
    assert "incident_read permission" in responders


def test_the_postmortem_needs_incident_read_on_attachments(stack: LocalStack) -> None:
    stack.datadog.permissions.discard("incident_read")
    code, output = check(stack)
    assert code == 1
    failure = line(output, "✗ Datadog application key can read incident attachments")
    assert "incident_read permission" in failure and "DECLARE_POSTMORTEM=never" in failure
    code, output = check(stack, DECLARE_POSTMORTEM="never")
    skipped = line(output, "– Datadog application key can read incident attachments")
    assert "DECLARE_POSTMORTEM=never" in skipped
    stack.datadog.permissions.add("incident_read")
    code, output = check(stack)
    shown = line(output, "✓ Datadog application key can read incident attachments")
    assert "incident_write" in shown and "DECLARE_POSTMORTEM=offer" in shown


def test_a_wrong_application_key(stack: LocalStack) -> None:
    code, output = check(stack, DD_APP_KEY="not-an-app-key")
    assert code == 1
    failure = line(output, "✗ Datadog application key can read users")
    assert "DD_APP_KEY is not an application key" in failure


def test_an_unreachable_datadog(stack: LocalStack) -> None:
    code, output = check(stack, DD_API_URL="http://127.0.0.1:9")
    assert code == 1
    assert "✗ Cannot reach Datadog at http://127.0.0.1:9" in output


def test_incident_links_follow_the_site(stack: LocalStack) -> None:
    eu = stack.make_settings(DD_SITE="datadoghq.eu")
    assert (
        check_links(eu).title == "Incident links open https://app.datadoghq.eu/incidents/<number>"
    )
    # No request is made: only the host of the configured URL is compared with DD_SITE.
    mismatch = check_links(eu.model_copy(update={"dd_api_url": "https://api.datadoghq.com"}))
    assert mismatch.status == "fail"
    assert "DD_SITE=datadoghq.com" in mismatch.fix


def test_invalid_configuration_is_a_cross_with_every_problem() -> None:
    out = io.StringIO()
    code = run_check(environ={"SLACK_BOT_TOKEN": "xoxp-user-token"}, env_file=None, out=out)
    assert code == 1
    failure = line(out.getvalue(), "✗ Configuration is invalid")
    assert "DD_API_KEY is missing" in failure and "DD_APP_KEY is missing" in failure
    assert "must be a bot token starting with xoxb-" in failure
    assert ".env.example" in failure


def test_the_command_line_checks_the_environment(stack: LocalStack, tmp_path: Path) -> None:
    """`declare-bot check` as a person runs it: settings from the environment, exit status."""
    settings = stack.make_settings()
    assert settings.slack_signing_secret is not None
    env = clean_environ(
        DD_API_KEY=stack.datadog.api_key,
        DD_APP_KEY=stack.datadog.app_key,
        DD_API_URL=stack.datadog.url,
        SLACK_BOT_TOKEN=stack.slack.bot_token,
        SLACK_SIGNING_SECRET=settings.slack_signing_secret.get_secret_value(),
        SLACK_API_URL=stack.slack.url + "/api/",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("✓") == 16 and "✗" not in done.stdout
    assert not any(secret in done.stdout + done.stderr for secret in settings.secret_values())
    broken = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=tmp_path,
        env=env | {"DD_APP_KEY": "wrong"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert broken.returncode == 1
    assert "✗ Datadog application key can read users" in broken.stdout


def test_paging_without_its_permissions_is_a_warning_with_the_fix(stack: LocalStack) -> None:
    stack.datadog.permissions.discard("oncall_page")
    stack.datadog.permissions.discard("teams_read")
    code, output = check(stack)
    assert code == 0, output
    block = line(output, "⚠ Paging On-Call")
    assert "not granted" in block and "`teams_read`" in block and "`oncall_page`" in block
    assert not stack.datadog.sent_pages(), "the probe never pages"


def test_the_capture_reactions_scopes_are_needed_only_when_it_is_on(stack: LocalStack) -> None:
    """An app installed before the record: without reactions:read and the history reads,
    a ⚠ while DECLARE_CAPTURE_REACTION is empty, a ✗ naming it once it is set."""
    capture = {"reactions:read", "channels:history", "groups:history"}
    stack.slack.set_scopes(stack.slack.bot_token, sorted(REQUIRED_SCOPES - capture))
    code, output = check(stack)
    warning = line(
        output, "⚠ Slack bot token lacks channels:history, groups:history, reactions:read"
    )
    assert "needed only when DECLARE_CAPTURE_REACTION is set" in warning
    code, output = check(stack, DECLARE_CAPTURE_REACTION="pushpin")
    assert code == 1
    failure = line(output, "✗ Slack bot token lacks scopes: channels:history, groups:history")
    assert "(DECLARE_CAPTURE_REACTION is set)" in failure
    incidents = line(output, "✓ Datadog application key can read incidents")
    assert "relationships/todos (incident_write)" in incidents
