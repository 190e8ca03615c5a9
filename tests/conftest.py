"""Shared fixtures: the local stack (emulators + the real bot over HTTP) and reference paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulators.stack import LocalStack

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
    """Both emulators and the bot, seeded with people and channels (see stack.py)."""
    with LocalStack() as running:
        yield running
