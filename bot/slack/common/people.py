"""The domain's PeopleDirectory over Slack's Web API (users.info, conversations.info)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.reliability.outcomes import LookupFailed
from bot.slack.errors import error_of

log = logging.getLogger(__name__)


class SlackPeople:
    """Emails and names of Slack users, names of channels."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _user(self, user_id: str) -> dict[str, object]:
        try:
            response = self.client.users_info(user=user_id)
        except SlackApiError as exc:
            error = error_of(exc)
            if error == "missing_scope":
                raise LookupFailed(
                    "the Slack app lacks the users:read.email scope, so emails can't be read. "
                    "Ask an admin to add it and reinstall the app."
                ) from exc
            if error == "user_not_found":
                raise LookupFailed(f"Slack has no user {user_id}.") from exc
            raise LookupFailed(f"Slack's users.info failed ({error}).") from exc
        user = response.get("user")
        return user if isinstance(user, dict) else {}

    def email_of(self, user_id: str) -> str | None:
        return self._email(self._user(user_id))

    def contact_of(self, user_id: str) -> tuple[str | None, str]:
        """Email and display name from one users.info call."""
        user = self._user(user_id)
        return self._email(user), _name(user, user_id)

    def _email(self, user: dict[str, object]) -> str | None:
        profile = user.get("profile")
        email = profile.get("email") if isinstance(profile, dict) else None
        if email is None and isinstance(profile, dict) and "email" not in profile:
            # users.info answers without the field when the token lacks users:read.email.
            scopes = self.client.auth_test().headers.get("x-oauth-scopes", "")
            if "users:read.email" not in str(scopes):
                raise LookupFailed(
                    "the Slack app lacks the users:read.email scope, so emails can't be read. "
                    "Ask an admin to add it and reinstall the app."
                )
        return email.lower() if isinstance(email, str) and email else None

    def channel_name(self, channel_id: str) -> str | None:
        try:
            response = self.client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            log.info("conversations.info %s failed: %s", channel_id, error_of(exc))
            return None
        channel = response.get("channel")
        name = channel.get("name") if isinstance(channel, dict) else None
        return name if isinstance(name, str) and name else None


def _name(user: dict[str, object], user_id: str) -> str:
    profile = user.get("profile")
    if isinstance(profile, dict):
        for key in ("real_name", "display_name"):
            if isinstance(profile.get(key), str) and profile[key]:
                return str(profile[key])
    return str(user.get("real_name") or user.get("name") or user_id)
