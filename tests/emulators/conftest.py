"""The Datadog emulator alone, and an HTTP client carrying its keys, for the emulator's tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.emulators.datadog.server import DatadogEmulator


@pytest.fixture
def emu() -> Iterator[DatadogEmulator]:
    with DatadogEmulator() as server:
        yield server


@pytest.fixture
def http(emu: DatadogEmulator) -> Iterator[httpx.Client]:
    keys = {"DD-API-KEY": emu.api_key, "DD-APPLICATION-KEY": emu.app_key}
    with httpx.Client(base_url=emu.url, headers=keys, timeout=5.0) as client:
        yield client
