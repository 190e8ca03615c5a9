"""Issue 11 M2: an oversized request body is refused from its headers, not read first.

Unsigned, anyone can reach POST /slack/events. The real server (waitress, as the bot runs
it) gets a raw socket that announces a 300 MB body, or streams a chunked one without end,
and keeps sending until the server answers or closes. What the client got into the
connection before that is counted: it includes what the two kernels buffer on loopback
(a few MB at most), not only what waitress read. Bounded: the client gives up after
`GIVE_UP` bytes or `DEADLINE` seconds.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

from bot.emulators.stack import LocalStack
from bot.server import MAX_BODY
from tests import figures

HUGE = 300 * 1024 * 1024
CHUNK = 64 * 1024
GIVE_UP = 32 * 1024 * 1024
"""The server has not refused after this much: it is reading the body."""
DEADLINE = 20.0
KERNEL_SLACK = 16 * 1024 * 1024
"""Loopback socket buffers (client send + server receive) hold at most this much."""


def head(port: int, framing: str) -> bytes:
    return (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n"
    ).encode()


def fixed_body() -> Iterator[bytes]:
    block = b"a" * CHUNK
    while True:
        yield block


def chunked_body() -> Iterator[bytes]:
    block = f"{CHUNK:x}\r\n".encode() + b"a" * CHUNK + b"\r\n"
    while True:
        yield block  # never the terminating 0-size chunk


def push(port: int, framing: str, body: Iterator[bytes]) -> tuple[int, bytes, float]:
    """Send the head, then body until the server answers or closes.

    Returns (body bytes the connection took, the answer received, seconds elapsed).
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHUNK)
    sock.sendall(head(port, framing))
    sock.setblocking(False)
    sent, answer, pending = 0, b"", b""
    started = time.monotonic()
    try:
        while sent < GIVE_UP and time.monotonic() - started < DEADLINE:
            readable, writable, _ = select.select([sock], [sock], [], 0.5)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    break
                answer += data
                if not data or b"\r\n\r\n" in answer:
                    break
                continue
            if writable:
                pending = pending or next(body)
                try:
                    n = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent, pending = sent + n, pending[n:]
        elapsed = time.monotonic() - started
        if b"\r\n\r\n" not in answer:
            sock.setblocking(True)
            sock.settimeout(1.0)
            try:
                answer += sock.recv(65536)
            except OSError:
                pass
    finally:
        sock.close()
    return sent, answer, elapsed


def test_a_300_mb_content_length_is_refused_from_its_headers(stack: LocalStack) -> None:
    sent, answer, elapsed = push(stack.server.port, f"Content-Length: {HUGE}", fixed_body())
    figures.timing("300 MB Content-Length refused after (s)", elapsed)
    figures.bad_input("300 MB Content-Length, unsigned")
    print(f"300 MB Content-Length: {sent} body bytes taken, {elapsed:.2f}s")
    assert sent < KERNEL_SLACK, f"the server took {sent} bytes of a {HUGE}-byte body"
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_an_endless_chunked_body_is_cut_off_near_the_limit(stack: LocalStack) -> None:
    sent, answer, elapsed = push(stack.server.port, "Transfer-Encoding: chunked", chunked_body())
    figures.timing("endless chunked body refused after (s)", elapsed)
    figures.bad_input("endless chunked body, unsigned")
    print(f"endless chunked body: {sent} bytes taken, {elapsed:.2f}s")
    assert sent < MAX_BODY + KERNEL_SLACK, f"the server took {sent} bytes of a chunked body"
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_body_just_under_the_limit_still_reaches_the_app(stack: LocalStack) -> None:
    """The limit is Slack-sized, not smaller: the app answers it (unsigned: 401 or 400)."""
    body = b"payload=" + b"a" * (MAX_BODY - 8)
    port = stack.server.port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head(port, f"Content-Length: {len(body)}") + body)
        answer = sock.recv(65536)
    assert not answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 401")), answer[:200]
