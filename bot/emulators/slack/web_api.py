"""A local emulator of the Slack Web API for tests, benchmarks and the sandbox.

Point a normal `slack_sdk.WebClient(token=..., base_url=emulator.url + "/api/")` at it.
It answers like Slack: HTTP 200 JSON with `ok`, `x-oauth-scopes`, 429 + Retry-After when
rate limited. Handlers: `methods.py`, `chat.py`, `views.py`, `channels.py`; state: `state.py`.
"""

from __future__ import annotations

import copy
import json
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from bot.emulators.base import EmulatorServer, Request, Response
from bot.emulators.slack.alerts import HeldMessages
from bot.emulators.slack.arguments import call_arguments, call_token
from bot.emulators.slack.channels import ChannelActions
from bot.emulators.slack.methods import METHODS
from bot.emulators.slack.people_actions import PeopleActions
from bot.emulators.slack.state import (
    BOT_NAME,
    BOT_USER_ID,
    Call,
    SlackError,
    SlackWorld,
    Token,
    Trigger,
    User,
)

API_PREFIX = "/api/"
RESPONSE_PREFIX = "/response/"


class SlackEmulator(HeldMessages, PeopleActions, ChannelActions, EmulatorServer):
    """The Slack Web API as the bot uses it, plus helpers to arrange and inspect a workspace."""

    BOT_SCOPES: tuple[str, ...] = (
        "commands",
        "chat:write",
        "users:read",
        "users:read.email",
        "channels:join",
        "channels:read",
        "groups:read",
        "im:write",
        "usergroups:read",
        *("channels:manage", "groups:write", "bookmarks:write"),
        *("channels:history", "groups:history", "reactions:read"),
    )
    APP_SCOPES: tuple[str, ...] = ("connections:write",)
    BOT_USER_ID = BOT_USER_ID

    def __init__(
        self,
        bot_token: str = "xoxb-emulator",
        app_token: str = "xapp-emulator",
        *,
        team_id: str = "T0EMULATOR",
        team_domain: str = "emulator",
        trigger_ttl: float = 3.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.bot_token = bot_token
        self.app_token = app_token
        self._world = SlackWorld(team_id=team_id, team_domain=team_domain, trigger_ttl=trigger_ttl)
        self._world.tokens[bot_token] = Token("bot", list(self.BOT_SCOPES))
        self._world.tokens[app_token] = Token("app", list(self.APP_SCOPES))
        self.add_user(BOT_USER_ID, BOT_NAME, is_bot=True)
        self.views: dict[str, dict[str, Any]] = self._world.views
        """View id -> the current view, as Slack returns it (live; read under `lock`)."""
        self.responses: list[dict[str, Any]] = []
        """JSON bodies POSTed to response URLs, in arrival order."""
        self.socket_url: Callable[[], str] | None = None
        """Issues apps.connections.open URLs (a SocketModeServer's `new_url`); None: a dud."""
        self._response_urls = 0
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._injected: dict[str, deque[tuple[str, int, bool]]] = {}
        self._held: dict[str, deque[float]] = {}
        self._limits: dict[str, tuple[int, float]] = {}
        self._windows: dict[str, deque[float]] = {}

    def start(self) -> SlackEmulator:
        super().start()
        return self

    def __enter__(self) -> SlackEmulator:
        return self.start()

    # arranging the workspace ------------------------------------------------------
    def set_scopes(self, token: str, scopes: Iterable[str]) -> None:
        """Replace a token's scopes; an unknown token is registered (xapp- → app token)."""
        with self.lock:
            kind = "app" if token.startswith("xapp-") else "bot"
            existing = self._world.tokens.get(token)
            self._world.tokens[token] = Token(existing.kind if existing else kind, list(scopes))

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        email: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "Etc/UTC",
        team_id: str = "",
        guest: bool = False,
        single_channel_guest: bool = False,
    ) -> None:
        """`team_id`: a person from another workspace (Slack Connect); `guest`: a
        multi-channel guest (`is_restricted`), `single_channel_guest`: `is_ultra_restricted`."""
        with self.lock:
            self._world.users[user_id] = User(
                user_id,
                name,
                real_name or name,
                email,
                is_bot,
                deleted,
                tz,
                team_id=team_id,
                ultra_restricted=single_channel_guest,
            )
            if guest or single_channel_guest:
                self._world.restricted.add(user_id)

    def add_usergroup(self, usergroup_id: str, handle: str, members: list[str]) -> None:
        with self.lock:
            self._world.usergroups[usergroup_id] = (handle, list(members))

    def issue_trigger(self) -> str:
        """A fresh trigger_id, exchangeable once within trigger_ttl seconds."""
        with self.lock:
            self._world.counter += 1
            trigger_id = f"{self._world.counter}.{int(time.time())}.{secrets.token_hex(12)}"
            self._world.triggers[trigger_id] = Trigger(issued_at=time.monotonic())
            return trigger_id

    def inject(
        self,
        method: str,
        error: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        after_effect: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` fail with `error`, before any other check.

        With `after_effect`, each call first takes effect (a message is posted) and then
        answers `error`, like Slack's `fatal_error` after it stored the message.
        """
        with self.lock:
            queue = self._injected.setdefault(method, deque())
            queue.extend([(error, retry_after, after_effect)] * times)

    def rate_limit(self, method: str, *, limit: int, period: float) -> None:
        """At most `limit` accepted calls of `method` per sliding `period` seconds."""
        with self.lock:
            self._limits[method] = (limit, period)
            self._windows[method] = deque()

    def response_url(self) -> str:
        """A fresh response_url on this server; what is POSTed lands in `responses`."""
        with self.lock:
            self._response_urls += 1
            return f"{self.url}{RESPONSE_PREFIX}{self._response_urls}"

    # inspecting ----------------------------------------------------------------
    def calls_of(self, method: str) -> list[dict[str, Any]]:
        """Arguments of each call to `method` (query, form and JSON merged), in order."""
        with self.lock:
            return [copy.deepcopy(args) for name, args in self._calls if name == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages posted into a channel (a user id means the bot's DM with that user)."""
        with self.lock:
            return copy.deepcopy(self._world.messages.get(self._channel_key(channel), []))

    def enable_home(self, enabled: bool) -> None:
        """Whether the app has a Home tab (its manifest's `features.app_home`)."""
        with self.lock:
            self._world.home_enabled = enabled

    def dm_channel(self, user_id: str) -> str:
        """The id of the app's DM with a person (the Home tab's `channel`), made on first use."""
        with self.lock:
            return self._world.dm_for(user_id).id

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab views.publish last gave this person (None: never published)."""
        with self.lock:
            view = self._world.home_views.get(user_id)
            return copy.deepcopy(view) if view is not None else None

    def ephemerals(self, channel: str) -> list[dict[str, Any]]:
        """Ephemeral messages posted into a channel; each `user` is its recipient."""
        with self.lock:
            return copy.deepcopy(self._world.ephemerals.get(self._channel_key(channel), []))

    def _channel_key(self, channel: str) -> str:
        if channel in self._world.channels or channel not in self._world.users:
            return channel
        dm = next((c for c in self._world.channels.values() if c.is_im and c.user == channel), None)
        return dm.id if dm else channel

    # serving -------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.path.startswith(RESPONSE_PREFIX):
            return self._response_url_post(request)
        if not request.path.startswith(API_PREFIX):
            return Response(404, {"ok": False, "error": "unknown_method"})
        method = request.path[len(API_PREFIX) :]
        with self.lock:
            try:
                args = call_arguments(request)
            except SlackError as exc:
                return self._answer(exc.body(), None)
            self._calls.append((method, copy.deepcopy(args)))
            token = call_token(request, args)
            response = self._serve(method, args, token)
            held = self._held.get(method)
            wait = held.popleft() if held else 0.0
        if wait:  # it took effect; the answer is late (outside the lock: Slack goes on)
            time.sleep(wait)
        return response

    def hold_answer(self, method: str, seconds: float) -> None:
        """The next call of `method` takes effect at once, but its answer comes `seconds`
        later: a bot killed meanwhile did the call without knowing it."""
        with self.lock:
            self._held.setdefault(method, deque()).append(seconds)

    def _serve(self, method: str, args: dict[str, Any], token: str | None) -> Response:
        known = self._world.tokens.get(token) if token else None
        injected = self._injected.get(method)
        late: str | None = None
        if injected:
            error, retry_after, after_effect = injected.popleft()
            if after_effect:
                late = error
            elif error == "ratelimited":
                return self._ratelimited(retry_after, known)
            else:
                return self._answer({"ok": False, "error": error}, known)
        spec = METHODS.get(method)
        if spec is None:
            return self._answer({"ok": False, "error": "unknown_method"}, known)
        if token is None:
            return self._answer({"ok": False, "error": "not_authed"}, None)
        if known is None:
            return self._answer({"ok": False, "error": "invalid_auth"}, None)
        wait = self._window_wait(method)
        if wait is not None:
            return self._ratelimited(wait, known, spec.scope)
        if known.kind != spec.token_kind:
            return self._answer({"ok": False, "error": "not_allowed_token_type"}, known, spec.scope)
        call = Call(method, args, known)
        try:
            if spec.scope is not None:
                call.require(spec.scope)
            if method == "apps.connections.open" and self.socket_url is not None:
                body = {"ok": True, "url": self.socket_url()}
            else:
                body = spec.handler(self._world, call)
        except SlackError as exc:
            body = exc.body()
        except Exception as exc:  # noqa: BLE001 - an emulator bug: answer like Slack's crash
            body = {"ok": False, "error": "fatal_error", "emulator_exception": repr(exc)}
        if late is not None and body.get("ok"):
            body = {"ok": False, "error": late}
        return self._answer(body, known, spec.scope)

    def _window_wait(self, method: str) -> int | None:
        """Seconds to wait if `method` is over its sliding window, else None (and count it)."""
        if method not in self._limits:
            return None
        limit, period = self._limits[method]
        window = self._windows[method]
        now = time.monotonic()
        while window and window[0] <= now - period:
            window.popleft()
        if len(window) >= limit:
            return max(1, math.ceil(window[0] + period - now))
        window.append(now)
        return None

    @staticmethod
    def _headers(token: Token | None, accepted: str | None) -> dict[str, str]:
        return {
            "x-oauth-scopes": ",".join(token.scopes) if token else "",
            "x-accepted-oauth-scopes": accepted or "",
        }

    def _answer(
        self, body: dict[str, Any], token: Token | None, accepted: str | None = None
    ) -> Response:
        return Response(200, body, self._headers(token, accepted))

    def _ratelimited(
        self, retry_after: int, token: Token | None, accepted: str | None = None
    ) -> Response:
        headers = self._headers(token, accepted) | {"Retry-After": str(retry_after)}
        return Response(429, {"ok": False, "error": "ratelimited"}, headers)

    def _response_url_post(self, request: Request) -> Response:
        """Slack's response URLs answer a plain-text 'ok' and refuse non-JSON bodies."""
        suffix = request.path[len(RESPONSE_PREFIX) :]
        with self.lock:
            if not suffix.isdigit() or not 0 < int(suffix) <= self._response_urls:
                return Response(404, b"no_service", {"Content-Type": "text/html"})
            if request.method != "POST":
                return Response(405, b"invalid_method", {"Content-Type": "text/html"})
            try:
                body = json.loads(request.raw_body or b"null")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return Response(400, b"invalid_payload", {"Content-Type": "text/html"})
            self.responses.append(body)
        return Response(200, b"ok", {"Content-Type": "text/html"})
