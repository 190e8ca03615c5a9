"""A real Redis for the tests: CI's (TEST_REDIS_URL), else a private redis-server, else skip.

Never a fake: the claim and add scripts must run in a real Redis to prove anything.
The private server listens on a free loopback port, keeps nothing on disk, and stops
with the test session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, timeout: float = 10.0) -> None:
    import redis

    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(url)
    try:
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        client.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis URL for this session; skips (saying why) when no Redis can be had."""
    pytest.importorskip("redis", reason="the redis extra is not installed (pip install .[redis])")
    given = os.environ.get("TEST_REDIS_URL")
    if given:
        _wait_ready(given)
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "no Redis: TEST_REDIS_URL is unset and redis-server is not on PATH "
            "(.ci/run installs it; locally: apt-get install redis-server)"
        )
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="redis-test-") as workdir:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            _wait_ready(url)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def clear(url: str, prefix: str = "declare") -> None:
    """Forget a prefix's keys, so a test starts from an empty store."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        names = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if names:
            client.delete(*names)
    finally:
        client.close()
