"""WebSocket (RFC 6455) on a plain socket, server side: what the Socket Mode emulator speaks.

Only what Slack's SDK clients use: the upgrade handshake, unfragmented masked frames in,
unmasked frames out. Kept apart from the Socket Mode protocol (`socket_mode.py`) so that
file reads as Slack's behaviour, not byte twiddling.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


@dataclass
class Frame:
    """One frame as it crossed the wire: `direction` is "in" (from the app) or "out"."""

    connection: int
    direction: str
    opcode: int
    data: bytes

    def json(self) -> Any:
        return json.loads(self.data)


class ProtocolError(Exception):
    """The client broke RFC 6455; the connection is closed with 1002."""


class Connection:
    """One client socket: buffered reads, and frames written whole under a lock."""

    def __init__(self, number: int, sock: socket.socket) -> None:
        self.number = number
        self.sock = sock
        self.buffer = b""
        self.open = True
        self.send_lock = threading.Lock()

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("client closed the socket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_until(self, marker: bytes, limit: int = 16384) -> bytes:
        while marker not in self.buffer:
            if len(self.buffer) > limit:
                raise ConnectionError("handshake too long")
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("client closed the socket")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def read_handshake(self) -> tuple[str, dict[str, str]]:
        """The upgrade request's target and lowercased headers (3 s to arrive)."""
        self.sock.settimeout(3.0)
        head = self.read_until(b"\r\n\r\n").decode("latin-1")
        self.sock.settimeout(None)
        request_line, *lines = head.split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
        target = request_line.split(" ")[1] if request_line.count(" ") >= 2 else ""
        return target, headers

    def accept(self, key: str) -> None:
        """101 Switching Protocols with the Sec-WebSocket-Accept for `key`."""
        digest = hashlib.sha1((key + GUID).encode()).digest()  # noqa: S324 - RFC 6455
        self.sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + base64.b64encode(digest) + b"\r\n\r\n"
        )

    def refuse(self) -> None:
        self.sock.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")

    def read_frame(self) -> tuple[int, bytes]:
        """The next frame's opcode and unmasked payload; ProtocolError if not RFC 6455."""
        first, second = self.read(2)
        if not first & 0x80 or first & 0x0F == 0:
            raise ProtocolError("fragmented frames are not emulated")
        if not second & 0x80:
            raise ProtocolError("client frames must be masked")
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self.read(8))
        mask = self.read(4)
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.read(length)))
        return first & 0x0F, data

    def send_frame(self, opcode: int, data: bytes) -> None:
        """Server frames go unmasked (RFC 6455 5.1)."""
        size = len(data)
        if size < 126:
            header = struct.pack("!BB", 0x80 | opcode, size)
        elif size < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, size)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
        with self.send_lock:
            self.sock.sendall(header + data)

    def close_socket(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
