"""Messages other integrations post, held in the emulated workspace: Datadog's alerts (and,
to compare, a person's message).

Datadog's Slack integration posts monitor alerts as `bot_message`s. Three shapes are seen:
attachment-only (empty `text`; `title` like `Triggered: …`, `title_link` to the monitor,
`text`, `fallback`), blocks-only (the newer app's sections and a "View Monitor" button),
and plain text. The builders here make each shape; `hold_message` puts one in a channel
as Slack stores it, so the message shortcut (whose payload carries the message) and
`chat.getPermalink` can act on it.
"""

from __future__ import annotations

import copy
import threading
import uuid
from typing import Any

from bot.emulators.slack.blocks import block_errors, with_block_ids
from bot.emulators.slack.state import SlackWorld

DATADOG_BOT_ID = "B0DATADOG"
DATADOG_APP_ID = "A0DATADOG"
ALERT_COLORS = {"Triggered": "a30200", "Warn": "daa038", "Recovered": "2eb886"}


def attachment_alert(
    title: str, monitor_url: str, text: str = "", *, status: str = "Triggered"
) -> dict[str, Any]:
    """Attachment-only, as Datadog's classic integration posts: `text` is empty."""
    full_title = f"{status}: {title}" if status else title
    attachment = {
        "id": 1,
        "color": ALERT_COLORS.get(status, "a30200"),
        "fallback": f"{full_title} {monitor_url}",
        "title": full_title,
        "title_link": monitor_url,
        "text": text,
        "mrkdwn_in": ["text"],
    }
    return {"text": "", "attachments": [attachment]}


def blocks_alert(
    title: str, monitor_url: str, text: str = "", *, status: str = "Triggered"
) -> dict[str, Any]:
    """Blocks-only: a linked headline, the message, a "View Monitor" button; no `text`."""
    headline = f"{status}: {title}" if status else title
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*<{monitor_url}|{headline}>*"}}
    ]
    if text:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "View Monitor"},
                    "url": monitor_url,
                    "action_id": "view_monitor",
                }
            ],
        }
    )
    return {"text": "", "blocks": blocks}


def text_alert(
    title: str, monitor_url: str, text: str = "", *, status: str = "Triggered"
) -> dict[str, Any]:
    """Plain text: the status line, the message, the link in Slack's `<url|label>` form."""
    headline = f"{status}: {title}" if status else title
    lines = [headline, *([text] if text else []), f"<{monitor_url}|View monitor>"]
    return {"text": "\n".join(lines)}


class HeldMessages:
    """SlackEmulator helper: put a message from another integration into a channel."""

    lock: threading.RLock
    _world: SlackWorld

    def hold_message(
        self,
        channel: str,
        content: dict[str, Any],
        *,
        username: str = "Datadog",
        bot_id: str = DATADOG_BOT_ID,
    ) -> dict[str, Any]:
        """Store `content` (text/attachments/blocks) as a `bot_message`; returns it as stored.

        Raises ValueError for content Slack would refuse (no content, bad blocks).
        """
        text = content.get("text", "")
        blocks = content.get("blocks")
        attachments = content.get("attachments")
        if not (text or blocks or attachments):
            raise ValueError("a message needs text, blocks or attachments")
        if blocks is not None:
            errors = block_errors(blocks, "/blocks", limit=50)
            if errors:
                raise ValueError(f"Slack would refuse these blocks: {errors}")
        if attachments is not None and not (
            isinstance(attachments, list) and all(isinstance(a, dict) for a in attachments)
        ):
            raise ValueError("attachments must be a list of objects")
        with self.lock:
            found = self._world.find_channel(channel)
            if found is None:
                raise ValueError(f"no channel {channel!r}")
            message: dict[str, Any] = {
                "type": "message",
                "subtype": "bot_message",
                "text": text,
                "ts": self._world.next_ts(),
                "username": username,
                "bot_id": bot_id,
                "app_id": DATADOG_APP_ID,
            }
            if blocks is not None:
                message["blocks"] = with_block_ids(copy.deepcopy(blocks))
            if attachments is not None:
                message["attachments"] = copy.deepcopy(attachments)
            self._world.messages.setdefault(found.id, []).append(message)
            return copy.deepcopy(message)

    def hold_person_message(self, channel: str, user: str, text: str) -> dict[str, Any]:
        """A message a person typed, as Slack stores it (shaped like the message in Slack's
        message_action fixture): `user` and `client_msg_id`, no `bot_id`, `app_id` or subtype."""
        with self.lock:
            found = self._world.find_channel(channel)
            if found is None:
                raise ValueError(f"no channel {channel!r}")
            message: dict[str, Any] = {
                "client_msg_id": str(uuid.uuid4()),
                "type": "message",
                "text": text,
                "user": user,
                "ts": self._world.next_ts(),
                "team": self._world.team_id,
            }
            self._world.messages.setdefault(found.id, []).append(message)
            return copy.deepcopy(message)
