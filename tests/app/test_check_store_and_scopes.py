"""Issue 11 L9 and L10: `declare-bot check` opens the store, and unused options' scopes only warn.

Each test drives the real check against the emulators (and a real Redis), or the real
`declare-bot run` process, as a person would meet the problem.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.check import run_check
from bot.emulators.stack import LocalStack
from bot.slack.common.scopes import REQUIRED_SCOPES
from tests.app.test_check import clean_environ, line
from tests.redis_server import free_port


def check(stack: LocalStack, **overrides: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run_check(stack.make_settings(**overrides), out=out)
    return code, out.getvalue()


def unusable_store_path(tmp_path: Path) -> Path:
    """A STORE_PATH whose directory can't exist: its parent is a regular file."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be\n")
    return blocker / "state" / "declare-bot.sqlite3"


# --- L9: check opens the store --------------------------------------------------------------


def test_check_fails_an_unusable_sqlite_store_path(stack: LocalStack, tmp_path: Path) -> None:
    path = unusable_store_path(tmp_path)
    code, output = check(stack, STORE_PATH=str(path))
    assert code == 1, output
    failure = line(output, "✗ Store")
    assert str(path) in failure and "STORE_PATH" in failure


def test_check_proves_a_good_sqlite_store_and_leaves_nothing(
    stack: LocalStack, tmp_path: Path
) -> None:
    path = tmp_path / "new" / "dir" / "declare-bot.sqlite3"
    code, output = check(stack, STORE_PATH=str(path))
    assert code == 0, output
    assert f"✓ Store: SQLite at {path} can be created and written" in output
    assert not (tmp_path / "new").exists(), "check only proves it could; `run` creates it"
    existing = tmp_path / "kept.sqlite3"
    existing.write_bytes(b"")
    code, output = check(stack, STORE_PATH=str(existing))
    assert code == 0, output
    assert f"✓ Store: SQLite at {existing} can be written" in output
    assert existing.exists()


def test_check_pings_redis_and_warns_without_persistence(stack: LocalStack, redis_url: str) -> None:
    import redis

    # The test server keeps nothing on disk (--save "" --appendonly no): a restart loses all.
    code, output = check(stack, REDIS_URL=redis_url)
    assert code == 0, output
    warning = line(output, "⚠ Store: Redis answers, but keeps nothing")
    assert "pending declarations" in warning and "appendonly" in warning
    assert "with a warning" in output
    admin = redis.Redis.from_url(redis_url)
    try:
        admin.config_set("appendonly", "yes")
        code, output = check(stack, REDIS_URL=redis_url)
        assert code == 0, output
        assert "✓ Store: Redis answers PING and persists (AOF)" in output
    finally:
        admin.config_set("appendonly", "no")
        admin.close()


def test_check_fails_an_unreachable_redis(stack: LocalStack) -> None:
    url = f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0"
    code, output = check(stack, REDIS_URL=url)
    assert code == 1, output
    failure = line(output, "✗ Store: cannot reach Redis")
    assert "REDIS_URL" in failure
    assert "hunter2-secret" not in output


def _run_bot(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = clean_environ(
        DD_API_KEY="dd-api-key-for-the-test",
        DD_APP_KEY="dd-app-key-for-the-test",
        DD_API_URL="http://127.0.0.1:9",
        SLACK_BOT_TOKEN="xoxb-for-the-test",
        SLACK_SIGNING_SECRET="signing-secret-for-the-test",
        SLACK_API_URL="http://127.0.0.1:9/api/",
        PORT=str(free_port()),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--mode", "http"],
        cwd=tmp_path,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_run_with_an_unusable_store_path_fails_with_one_clear_line(tmp_path: Path) -> None:
    path = unusable_store_path(tmp_path)
    done = _run_bot(tmp_path, STORE_PATH=str(path))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    lines = [text for text in done.stderr.splitlines() if text.strip()]
    assert len(lines) == 1, done.stderr
    assert "STORE_PATH" in lines[0] and str(path) in lines[0]


@pytest.mark.usefixtures("redis_url")
def test_run_with_an_unreachable_redis_fails_with_one_clear_line(tmp_path: Path) -> None:
    done = _run_bot(tmp_path, REDIS_URL=f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    lines = [text for text in done.stderr.splitlines() if text.strip()]
    assert len(lines) == 1, done.stderr
    assert "REDIS_URL" in lines[0] and "hunter2-secret" not in lines[0]


# --- L10: scopes only an unused option needs ------------------------------------------------


def test_a_scope_only_an_unused_option_needs_is_a_warning(stack: LocalStack) -> None:
    granted = [s for s in REQUIRED_SCOPES if s != "usergroups:read"]
    stack.slack.set_scopes(stack.slack.bot_token, granted)
    code, output = check(stack)  # DECLARE_ALLOWED_USERGROUPS is empty
    assert code == 0, output
    assert "✗" not in output
    warning = line(output, "⚠ Slack bot token lacks usergroups:read")
    assert "DECLARE_ALLOWED_USERGROUPS" in warning
    code, output = check(stack, DECLARE_ALLOWED_USERGROUPS="S0SRE")
    assert code == 1, output
    failure = line(output, "✗ Slack bot token lacks scopes: usergroups:read")
    assert "DECLARE_ALLOWED_USERGROUPS" in failure
