"""Shared fixtures: the local stack (emulators + the real bot over HTTP) and reference paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulators.stack import LocalStack
from tests import figures
from tests.bot_process import BotProcess, bot_env
from tests.redis_server import clear
from tests.redis_server import redis_url as redis_url  # the real-Redis fixture

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "reference"
"""Read-only reference material; present in CI, absent on a fresh clone elsewhere."""


def shared_path(*parts: str) -> Path:
    """A path under ../shared/reference, or skip the test (with why) when it isn't there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here: ../shared/reference ships only beside CI checkouts")
    return path


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    """Both emulators and the bot, seeded with people and channels (see emulators/personas.py)."""
    with LocalStack() as running:
        yield running


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """Bot processes a test starts (append them); each is stopped at teardown."""
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.stop()


@pytest.fixture
def replicas(stack: LocalStack, redis_url: str, tmp_path: Path) -> Iterator[list[BotProcess]]:
    """Two bot processes sharing one real Redis (each with its own unused SQLite path)."""
    clear(redis_url)
    started: list[BotProcess] = []
    try:
        for name in ("replica-a", "replica-b"):
            env = bot_env(stack, REDIS_URL=redis_url, STORE_PATH=str(tmp_path / f"{name}.sqlite3"))
            started.append(BotProcess(tmp_path, env, name=name).start())
        yield started
    finally:
        for process in started:
            process.stop()
        clear(redis_url)


@pytest.fixture(scope="session", autouse=True)
def reliability_figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Write what the fault and bad-input tests counted (tests/figures.py) when they ran."""
    yield
    if not figures.empty():
        figures.written = figures.write(tmp_path_factory.getbasetemp())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if figures.empty():
        return
    terminalreporter.section("reliability figures")
    for line in figures.summary_lines():
        terminalreporter.write_line(line)
    if figures.written is not None:
        terminalreporter.write_line(f"(written to {figures.written})")
