"""Who may declare: optional channel and user-group allowlists.

Checked at every step a person triggers (opening the form, submitting it, Retry, "declare
anyway"). The channel check needs no I/O. The group check reads the groups' members from
Slack, cached for `ttl`; one lookup runs at a time (later callers wait for it), and a
caller that must answer within Slack's 3 s can bound its wait.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient

from bot.domain.access.rules import Act
from bot.slack.access._lookups import Lookups, TooSlow
from bot.slack.errors import error_of

log = logging.getLogger(__name__)

Members = tuple[frozenset[str], list[str]]
"""The groups' members, and Slack's errors (a lookup with errors is not kept)."""
GROUPS = "usergroups"
"""The one key of the members' cache: every allowed group's members, read together."""

_DONE = {
    Act.SEE: "seen",
    Act.DECLARE: "declared",
    Act.UPDATE: "updated",
    Act.RESOLVE: "resolved",
    Act.REOPEN: "reopened",
    Act.RETRY: "retried",
}
SLOW_LOOKUP = (
    "Slack is slow to say who may declare (the user-group lookup is still running). "
    "Try again in a moment."
)
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>")


def plain_refusal(reason: str) -> str:
    """A refusal for plain-text places (a field's error): Slack markup as readable text."""
    reason = _CHANNEL.sub(lambda m: f"#{m.group(1)}", reason)
    return _SUBTEAM.sub(lambda m: m.group(2) or f"group {m.group(1)}", reason)


class Allowlist:
    """Checks DECLARE_ALLOWED_CHANNELS and DECLARE_ALLOWED_USERGROUPS; empty lists allow all."""

    def __init__(
        self,
        client: WebClient,
        channels: list[str],
        usergroups: list[str],
        *,
        ttl: float = 300.0,
    ) -> None:
        self.client = client
        self.channels = set(channels)
        self.usergroups = list(usergroups)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="allowlist")
        self._members: Lookups[str, Members] = Lookups(
            lambda _: self._lookup(), ttl, self._pool, keep=lambda found: not found[1]
        )

    @property
    def ttl(self) -> float:
        """Seconds the groups' members are kept."""
        return self._members.ttl

    @ttl.setter
    def ttl(self, seconds: float) -> None:
        self._members.ttl = seconds

    def refusal(
        self,
        user_id: str,
        channel_id: str,
        *,
        wait: float | None = None,
        act: Act = Act.DECLARE,
    ) -> str | None:
        """None when allowed, else a sentence saying why not and what to do.

        `channel_id` is where the incident is (or was) declared from, whatever `act` is.
        `wait` bounds the seconds spent on a group lookup; past it the answer is a refusal
        that says to try again (the lookup goes on and its answer is cached).
        """
        return self.channel_refusal(channel_id, act) or self.group_refusal(
            user_id, wait=wait, act=act
        )

    def channel_refusal(self, channel_id: str, act: Act = Act.DECLARE) -> str | None:
        if self.channels and channel_id not in self.channels:
            where = ", ".join(f"<#{c}>" for c in sorted(self.channels))
            if act is Act.DECLARE:
                return f"Incidents can't be declared from this channel. Use {where}."
            return (
                f"This incident was declared from a channel declare-bot doesn't serve (it "
                f"serves {where}), so it can't be {_DONE[act]} from Slack. Use Datadog."
            )
        return None

    def cached_group_refusal(self, user_id: str, act: Act = Act.DECLARE) -> tuple[bool, str | None]:
        """(known, refusal) from the cache alone: no I/O, safe before the ack."""
        if not self.usergroups:
            return True, None
        found = self._members.cached(GROUPS)
        if found is None:
            return False, None
        return True, self._judge(user_id, found, act)

    def group_refusal(
        self, user_id: str, *, wait: float | None = None, act: Act = Act.DECLARE
    ) -> str | None:
        if not self.usergroups:
            return None
        try:
            return self._judge(user_id, self._members.get(GROUPS, wait), act)
        except TooSlow:
            log.warning("user-group lookup still running after %.1fs", wait or 0.0)
            return SLOW_LOOKUP

    def _judge(self, user_id: str, found: Members, act: Act) -> str | None:
        members, errors = found
        if user_id in members:
            return None
        groups = ", ".join(f"<!subteam^{g}>" for g in self.usergroups)
        if errors:
            return (
                f"Only members of {groups} can {act.value} incidents, and Slack wouldn't say "
                f"who they are ({', '.join(errors)}). Try again in a moment, or ask an admin."
            )
        return f"Only members of {groups} can {act.value} incidents. Ask one of them, or an admin."

    def _lookup(self) -> Members:
        """Members of the groups, and Slack's errors (then not kept)."""
        members: set[str] = set()
        errors: list[str] = []
        for group in self.usergroups:
            try:
                users = self.client.usergroups_users_list(usergroup=group).get("users") or []
            except Exception as exc:  # noqa: BLE001 - any failure is an answer too
                error = error_of(exc)
                log.warning("usergroups.users.list %s failed: %s", group, error)
                errors.append(error)
                continue
            members.update(u for u in users if isinstance(u, str))
        return frozenset(members), errors

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
