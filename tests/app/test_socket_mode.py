"""/declare over Socket Mode: the same app, slack_sdk's real WebSocket client, envelopes in.

The bot connects through `SocketModeHandler.connect()` to the local Socket Mode
server (the URL comes from the Slack emulator's apps.connections.open); tests send
envelopes shaped like Slack's and read the acks the bot sends back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from bot.emulators.personas import ALICE, BOB, INCIDENTS, TEAM
from bot.emulators.slack.inbound import declare_form_values, slash_command_body, view_submission
from bot.emulators.slack.socket_mode import Ack, SocketModeServer
from bot.emulators.slack.websocket import CLOSE, GUID, TEXT
from bot.emulators.stack import LocalStack

ACK_BUDGET = 2.0
"""Seconds; Slack retries an envelope not acked within 3."""


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(socket_mode=True) as running:
        yield running


def slash(stack: LocalStack, text: str = "", *, user: str = ALICE) -> Ack:
    """A /declare as Slack sends it in Socket Mode: the form fields as a JSON object."""
    body = slash_command_body(
        text=text,
        user_id=user,
        user_name=user.lower(),
        channel_id=INCIDENTS,
        channel_name="incidents",
        trigger_id=stack.slack.issue_trigger(),
        response_url=stack.slack.response_url(),
        team_id=TEAM,
    )
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
    assert stack.socket is not None
    return stack.socket.wait_ack(stack.socket.send_envelope("slash_commands", fields))


def submit(stack: LocalStack, view: dict[str, Any], values: dict[str, Any]) -> Ack:
    payload = view_submission(
        view, values, user_id=ALICE, trigger_id=stack.slack.issue_trigger(), team_id=TEAM
    )
    assert stack.socket is not None
    return stack.socket.wait_ack(stack.socket.send_envelope("interactive", payload))


def test_connects_with_the_app_token_and_no_signing_secret(stack: LocalStack) -> None:
    assert stack.settings.socket_mode and stack.settings.slack_signing_secret is None
    opened = stack.slack.calls("/api/apps.connections.open")
    assert len(opened) == 1
    assert opened[0].header("authorization") == f"Bearer {stack.slack.app_token}"
    assert stack.socket is not None
    hello = stack.socket.frames[0]
    assert hello.direction == "out" and hello.json()["type"] == "hello"
    assert hello.json()["connection_info"] == {"app_id": stack.socket.app_id}


def test_declare_end_to_end(stack: LocalStack) -> None:
    opened = slash(stack)
    assert opened.latency < ACK_BUDGET
    assert opened.payload == {}
    view = stack.opened_view()
    assert view["title"]["text"] == "Declare an incident"

    values = declare_form_values(
        title="Checkout API 5xx", severity="SEV-2", commander=BOB, impacted=True, scope="EU"
    )
    submitted = submit(stack, view, values)
    assert submitted.latency < ACK_BUDGET
    assert submitted.payload["response_action"] == "update"
    assert "Declaring" in json.dumps(submitted.payload["view"])
    stack.wait_done()

    attributes = stack.datadog.created_bodies()[0]["data"]["attributes"]
    assert attributes["title"] == "Checkout API 5xx"
    assert attributes["customer_impact_scope"] == "EU"
    announcement, reply = stack.slack.messages(INCIDENTS)
    assert "IR-1: Checkout API 5xx" in json.dumps(announcement["blocks"])
    assert reply["thread_ts"] == announcement["ts"]
    assert "<https://app.datadoghq.com/incidents/1|IR-1>" in json.dumps(reply["blocks"])


def test_impact_without_scope_is_a_field_error_in_the_ack(stack: LocalStack) -> None:
    slash(stack)
    view = stack.opened_view()
    ack = submit(stack, view, declare_form_values(title="DB down", impacted=True, scope=" "))
    assert ack.latency < ACK_BUDGET
    assert ack.payload["response_action"] == "errors"
    assert "impact_scope" in ack.payload["errors"]
    assert stack.datadog.created_bodies() == []


def test_help_acks_with_the_usage_text(stack: LocalStack) -> None:
    ack = slash(stack, "help")
    assert ack.latency < ACK_BUDGET
    assert "/declare" in ack.payload["text"]
    assert stack.slack.calls("/api/views.open") == []


def test_reconnects_when_slack_asks_for_a_refresh(stack: LocalStack) -> None:
    assert stack.socket is not None
    stack.socket.refresh()
    deadline = time.monotonic() + 5.0
    while stack.socket.open_connections() != [2] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stack.socket.open_connections() == [2]
    assert len(stack.slack.calls("/api/apps.connections.open")) == 2
    # Connection 1 is gone; whether our close frame or the app's own close got there first
    # is a race, so only outgoing close frames on connection 1, if any, are allowed.
    closed = [f for f in stack.socket.frames if f.opcode == CLOSE]
    assert {(f.connection, f.direction) for f in closed} <= {(1, "out")}
    ack = slash(stack, "help")
    assert "/declare" in ack.payload["text"]
    carried = {f.connection for f in stack.socket.frames if ack.envelope_id.encode() in f.data}
    assert carried == {2}


def handshake(url: str) -> tuple[socket.socket, bytes, str]:
    """A bare RFC 6455 handshake: (socket, the response head, the Sec-WebSocket-Key sent)."""
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=3)
    sock.sendall(
        f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, f"closed during the handshake: {head!r}"
        head += chunk
    return sock, head, key


def test_tickets_are_single_use_and_the_accept_key_is_right() -> None:
    with SocketModeServer() as server:
        url = server.new_url()
        sock, head, key = handshake(url)
        with sock:
            assert head.startswith(b"HTTP/1.1 101 ")
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            assert f"Sec-WebSocket-Accept: {accept}".encode() in head
            first, length = sock.recv(2)
            assert first == 0x80 | TEXT and length == 126  # then a 16-bit length
            (size,) = struct.unpack("!H", sock.recv(2))
            hello = b""
            while len(hello) < size:
                hello += sock.recv(size - len(hello))
            assert json.loads(hello)["type"] == "hello"
        again, refused, _ = handshake(url)
        with again:
            assert refused.startswith(b"HTTP/1.1 401 ")
        assert server.rejected == [url[url.index("/link/") :]]
