"""What the Datadog client's tests share: a Datadog emulator, and the sleeps a client took."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.emulators.datadog import DatadogEmulator


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def emu() -> Iterator[DatadogEmulator]:
    with DatadogEmulator() as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
