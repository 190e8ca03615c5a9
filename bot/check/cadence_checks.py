"""Check for the stakeholder channel (DECLARE_UPDATES_CHANNEL, only when it is set): Slack
knows it and the bot is in it, so its one message per incident can be posted."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.check.checklist import Item
from bot.config import Settings


def check_updates_channel(settings: Settings, client: WebClient) -> list[Item]:
    """Nothing when no stakeholder channel is set; else whether the bot can post there."""
    channel = settings.updates_channel
    if not channel:
        return []
    title = f"DECLARE_UPDATES_CHANNEL {channel} is a channel the bot is in"
    try:
        found = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        fix = (
            "copy the channel ID from the channel's details (About > Channel ID), or leave "
            "DECLARE_UPDATES_CHANNEL empty to turn the stakeholder channel off"
        )
        return [Item("fail", f"{title}: Slack said {error}", fix=fix)]
    except (SlackClientError, OSError) as exc:
        return [Item("fail", f"{title}: Slack unreachable ({type(exc).__name__})")]
    name = f"#{found.get('name')}" if found.get("name") else channel
    if not found.get("is_member"):
        fix = f"invite the bot: type /invite @declare-bot in {name}"
        return [Item("fail", f"{title}: the bot is not in {name}", fix=fix)]
    return [Item("ok", title, [f"{name}: one message per public incident"])]
