"""The configuration code, `.env.example`, the README and the Procfile say the same thing."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.config import SETTINGS, ConfigError, Settings, load_settings
from bot.emulators.stack import LocalStack
from tests.conftest import ROOT

MINIMAL = {
    "DD_API_KEY": "dd-api",
    "DD_APP_KEY": "dd-app",
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "signing",
}


def env_example() -> list[tuple[str, str, str]]:
    """(name, value, the comment line above it) for each setting in .env.example."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    entries = []
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            comment = lines[i - 1] if i and lines[i - 1].startswith("# ") else ""
            entries.append((name, value, comment))
    return entries


def readme_table() -> str:
    """The configuration table the README must carry, rendered from SETTINGS."""
    rows = ["| Variable | Default | What it is | Where to get it |", "| --- | --- | --- | --- |"]
    for doc in SETTINGS:
        default = "required" if doc.required else (f"`{doc.default}`" if doc.default else "empty")
        rows.append(f"| `{doc.env}` | {default} | {doc.help} | {doc.where} |")
    return "\n".join(rows)


def test_settings_table_matches_the_settings_model() -> None:
    aliases = [str(info.alias) for info in Settings.model_fields.values()]
    assert sorted(aliases) == sorted(doc.env for doc in SETTINGS)
    by_env = {info.alias: info for info in Settings.model_fields.values()}
    for doc in SETTINGS:
        secret = SecretStr in getattr(by_env[doc.env].annotation, "__args__", ())
        secret = secret or by_env[doc.env].annotation is SecretStr
        assert secret == doc.secret, f"{doc.env}: secret={doc.secret} but the model says {secret}"


def test_documented_defaults_are_the_real_defaults() -> None:
    """Setting every documented default explicitly changes nothing."""
    implicit = load_settings(MINIMAL, env_file=None)
    explicit_env = MINIMAL | {doc.env: doc.default for doc in SETTINGS if doc.default}
    assert load_settings(explicit_env, env_file=None) == implicit


def test_documented_required_settings_are_the_required_ones() -> None:
    with pytest.raises(ConfigError) as missing:
        load_settings({}, env_file=None)
    named = {p.split(" ", 1)[0] for p in missing.value.problems}
    assert named == {doc.env for doc in SETTINGS if doc.required}
    # The signing secret is documented as needed in HTTP mode only:
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is missing"):
        load_settings({k: v for k, v in MINIMAL.items() if k != "SLACK_SIGNING_SECRET"}, None)
    load_settings(
        {k: v for k, v in MINIMAL.items() if k != "SLACK_SIGNING_SECRET"}
        | {"SLACK_APP_TOKEN": "xapp-1"},
        env_file=None,
    )


def test_env_example_lists_every_setting_with_its_comment() -> None:
    entries = env_example()
    assert [name for name, _, _ in entries] == [doc.env for doc in SETTINGS]
    for (name, value, comment), doc in zip(entries, SETTINGS, strict=True):
        assert doc.help in comment, f"{name}: the comment above it must say: {doc.help}"
        assert doc.where in comment, f"{name}: the comment must say where: {doc.where}"
        expected = "Required" if doc.required else f"Default: {doc.default or 'empty'}"
        assert expected in comment, f"{name}: the comment must say {expected!r}"
        assert value in ("", doc.default), f"{name}={value}: leave it empty or the default"
        if doc.secret:
            assert value == "", f"{name} is a secret: no value in .env.example"


def test_env_example_as_a_dotenv_loads_to_the_defaults(tmp_path: Path) -> None:
    """`cp .env.example .env`, fill the required values: the defaults apply."""
    dotenv = tmp_path / ".env"
    dotenv.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    assert load_settings(MINIMAL, env_file=dotenv) == load_settings(MINIMAL, env_file=None)


def test_readme_configuration_table_matches_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    expected = readme_table()
    assert expected in readme, f"README's configuration table should read:\n\n{expected}\n"


def test_readme_has_the_promised_sections() -> None:
    """The README is the front door; the deeper sections live in docs/ and it links to them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    promised = {
        "README.md": (
            "Quick start",
            "1. Create the Slack app from a manifest",
            "2. Fill `.env`",
            "3. Run `declare-bot check`",
            "4. Start the bot",
            "Socket Mode or HTTP",
            "Configuration",
        ),
        "docs/development.md": ("The local sandbox", "Logs", "Development"),
        "docs/benchmarks.md": ("Benchmarks",),
        "docs/reliability.md": ("Reliability",),
    }
    for path, expected in promised.items():
        text = (ROOT / path).read_text(encoding="utf-8")
        headings = re.findall(r"^#{1,2} (.+)$", text, flags=re.MULTILINE)
        for heading in expected:
            assert heading in headings, f"{path}: {heading}"
        if path != "README.md":
            assert f"({path})" in readme, f"README does not link to {path}"
    for command in ("make run", "make test", "make lint", "/slack/events", "/healthz"):
        assert command in readme


def procfile() -> dict[str, list[str]]:
    entries = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        name, _, command = line.partition(":")
        entries[name.strip()] = shlex.split(command)
    return entries


def test_procfile_runs_http_on_web_and_socket_mode_on_worker() -> None:
    entries = procfile()
    assert set(entries) == {"web", "worker"}
    assert entries["web"] == ["declare-bot", "run", "--mode", "http"]
    assert entries["worker"] == ["declare-bot", "run", "--mode", "socket"]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_env(stack: LocalStack, tmp_path: Path, **extra: str) -> dict[str, str]:
    names = {doc.env for doc in SETTINGS}
    settings = stack.make_settings()
    assert settings.slack_signing_secret is not None
    return {k: v for k, v in os.environ.items() if k not in names} | {
        "DD_API_KEY": stack.datadog.api_key,
        "DD_APP_KEY": stack.datadog.app_key,
        "DD_API_URL": stack.datadog.url,
        "SLACK_BOT_TOKEN": stack.slack.bot_token,
        "SLACK_APP_TOKEN": stack.slack.app_token,
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret.get_secret_value(),
        "SLACK_API_URL": stack.slack.url + "/api/",
        "STORE_PATH": str(tmp_path / "store.sqlite3"),
        **extra,
    }


def start(entry: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    argv = procfile()[entry]
    assert argv[0] == "declare-bot"
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *argv[1:]],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_procfile_web_serves_http_on_port(stack: LocalStack, tmp_path: Path) -> None:
    """Even with an app token in the environment, `web` serves HTTP on $PORT."""
    port = free_port()
    process = start("web", process_env(stack, tmp_path, PORT=str(port)), tmp_path)
    try:
        deadline, answer = time.monotonic() + 20, None
        while time.monotonic() < deadline and answer is None and process.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
    finally:
        output = stop(process)
    assert answer is not None, output
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    assert f"listening on :{port}" in output
    assert not stack.slack.calls_of("apps.connections.open")


def test_procfile_worker_uses_socket_mode(stack: LocalStack, tmp_path: Path) -> None:
    process = start("worker", process_env(stack, tmp_path), tmp_path)
    try:
        stack.slack.wait_for("/api/apps.connections.open", timeout=20)
    finally:
        output = stop(process)
    assert "starting in Socket Mode" in output


def test_forced_modes_refuse_to_start_without_their_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for doc in SETTINGS:
        monkeypatch.delenv(doc.env, raising=False)
    for name, value in MINIMAL.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "--mode", "socket"]) == 2
    assert "SLACK_APP_TOKEN is missing" in capsys.readouterr().err
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert main(["run", "--mode", "http"]) == 2
    assert "SLACK_SIGNING_SECRET is missing" in capsys.readouterr().err
