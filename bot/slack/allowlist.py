"""Who may declare: optional channel and user-group allowlists."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


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
        self.ttl = ttl
        self._members: tuple[float, frozenset[str]] | None = None
        self._lock = threading.Lock()

    def refusal(self, user_id: str, channel_id: str) -> str | None:
        """None when allowed, else a sentence saying why not and what to do."""
        if self.channels and channel_id not in self.channels:
            where = ", ".join(f"<#{c}>" for c in sorted(self.channels))
            return f"Incidents can't be declared from this channel. Use {where}."
        if self.usergroups:
            members, errors = self._group_members()
            if user_id in members:
                return None
            groups = ", ".join(f"<!subteam^{g}>" for g in self.usergroups)
            if errors:
                return (
                    f"Only members of {groups} can declare incidents, and Slack wouldn't say "
                    f"who they are ({', '.join(errors)}). Try again in a moment, or ask an admin."
                )
            return f"Only members of {groups} can declare incidents. Ask one of them, or an admin."
        return None

    def _group_members(self) -> tuple[frozenset[str], list[str]]:
        """Members of the groups, and Slack's errors; a failed lookup is not cached."""
        with self._lock:
            if self._members and time.monotonic() - self._members[0] < self.ttl:
                return self._members[1], []
            members: set[str] = set()
            errors: list[str] = []
            for group in self.usergroups:
                try:
                    users = self.client.usergroups_users_list(usergroup=group).get("users") or []
                except SlackApiError as exc:
                    error = str(exc.response.get("error"))
                    log.warning("usergroups.users.list %s failed: %s", group, error)
                    errors.append(error)
                    continue
                members.update(u for u in users if isinstance(u, str))
            if not errors:
                self._members = (time.monotonic(), frozenset(members))
            return frozenset(members), errors
