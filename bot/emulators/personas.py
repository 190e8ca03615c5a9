"""The people and channels of the test workspace, shared by tests, the sandbox and the benchmark.

Each persona covers one case the bot must handle (a Datadog account or not, an email
or not; a channel the bot is in, can join, or cannot see), so tests name the case
they exercise instead of inventing users. `seed` puts them into both emulators.
"""

from __future__ import annotations

from bot.emulators.datadog import DatadogEmulator
from bot.emulators.slack import SlackEmulator

TEAM = "T0EMULATOR"
ALICE = "U0ALICE"
"""Declares; has a Datadog account."""
BOB = "U0BOB"
"""On call; has a Datadog account."""
CAROL = "U0CAROL"
"""Has a Slack email but no Datadog account."""
DAVE = "U0DAVE"
"""Has no email on his Slack profile."""
INCIDENTS = "C0INCIDENTS"
GENERAL = "C0GENERAL"
"""Public; the bot is not a member until it joins."""
PRIVATE = "G0PRIVATE"
"""Private; the bot is not a member and cannot join."""

CHANNELS: dict[str, tuple[str, bool, bool]] = {
    INCIDENTS: ("incidents", False, True),
    GENERAL: ("general", False, False),
    PRIVATE: ("secret-ops", True, False),
}
"""Channel id → (name, is_private, bot is a member)."""


def channel_name(channel: str) -> str:
    """A persona channel's name; an unknown id stands for itself."""
    return CHANNELS.get(channel, (channel, False, False))[0]


def seed(slack: SlackEmulator, datadog: DatadogEmulator) -> dict[str, str]:
    """Add the personas and channels; returns Slack user id → Datadog user id."""
    slack.add_user(ALICE, "alice", real_name="Alice Ops", email="alice@example.com")
    slack.add_user(BOB, "bob", real_name="Bob Oncall", email="Bob.Oncall@example.com")
    slack.add_user(CAROL, "carol", real_name="Carol New", email="carol@example.com")
    slack.add_user(DAVE, "dave", real_name="Dave NoMail")
    users = {
        ALICE: datadog.add_user("alice@example.com", "Alice Ops"),
        BOB: datadog.add_user("bob.oncall@example.com", "Bob Oncall"),
    }
    for channel_id, (name, private, member) in CHANNELS.items():
        slack.add_channel(channel_id, name, is_private=private, is_member=member)
    return users
