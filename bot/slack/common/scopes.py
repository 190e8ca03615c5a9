"""Which OAuth scopes declare-bot needs, derived from the Web API methods it calls.

`METHOD_SCOPES` maps Slack Web API methods to the bot-token scopes they need;
`USED_METHODS` lists the ones our code calls (a test greps `bot/` to keep it true).
`REQUIRED_SCOPES` is what `declare-bot check` demands of the bot token and exactly
what the manifests in `manifests/` grant: no more, no less.
"""

from __future__ import annotations

METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    # the incident channel (DECLARE_INCIDENT_CHANNEL): public or private
    "bookmarks.add": ("bookmarks:write",),
    "conversations.archive": ("channels:manage", "groups:write"),
    "conversations.create": ("channels:manage", "groups:write"),
    "conversations.invite": ("channels:manage", "groups:write"),
    "conversations.list": ("channels:read", "groups:read"),
    # who may see a private incident (bot/slack/access/policy.py)
    "conversations.members": ("channels:read", "groups:read"),
    "conversations.setTopic": ("channels:manage", "groups:write"),
    "conversations.unarchive": ("channels:manage", "groups:write"),
    "chat.getPermalink": (),
    "chat.postEphemeral": ("chat:write",),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.history": ("channels:history", "groups:history"),
    # public and private channels from the form's conversation picker
    "conversations.info": ("channels:read", "groups:read"),
    "conversations.join": ("channels:join",),
    # 1:1 DMs with the person declaring, when the channel refuses the announcement
    "conversations.open": ("im:write",),
    "conversations.replies": ("channels:history", "groups:history"),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "users.info": ("users:read", "users:read.email"),
    "users.lookupByEmail": ("users:read", "users:read.email"),
    "views.open": (),
    # the Home tab (bot/slack/home/): no scope, the manifest's features.app_home
    "views.publish": (),
    "views.push": (),
    "views.update": (),
}
"""Bot-token scopes per Web API method; users.info needs users:read.email to return emails."""

APP_TOKEN_METHODS: dict[str, tuple[str, ...]] = {"apps.connections.open": ("connections:write",)}
"""Methods called with the app-level token (Socket Mode), and that token's scopes."""

USED_METHODS: frozenset[str] = frozenset(
    {
        "auth.test",
        "bookmarks.add",
        "chat.getPermalink",
        "chat.postEphemeral",
        "chat.postMessage",
        "chat.update",
        "conversations.archive",
        "conversations.create",
        "conversations.history",
        "conversations.info",
        "conversations.invite",
        "conversations.join",
        "conversations.list",
        "conversations.members",
        "conversations.open",
        "conversations.replies",
        "conversations.setTopic",
        "conversations.unarchive",
        "usergroups.users.list",
        "users.info",
        "views.open",
        "views.publish",
        "views.update",
    }
)
"""The bot-token methods declare-bot calls (tests/app/test_manifests.py greps bot/ for them)."""

BOT_EVENTS: tuple[str, ...] = ("app_home_opened", "reaction_added")
"""Events the bot subscribes to (both manifests' `bot_events`): the Home tab's needs no
scope, `reaction_added` needs `reactions:read` (below)."""

FEATURE_SCOPES: tuple[str, ...] = ("commands", "reactions:read")
"""Scopes no Web API call shows: `commands` delivers /declare and the message shortcuts,
`reactions:read` the `reaction_added` event (DECLARE_CAPTURE_REACTION)."""

APP_TOKEN_SCOPES: tuple[str, ...] = ("connections:write",)

WHY: dict[str, str] = {
    "commands": "receive /declare and the “Declare incident” message shortcut",
    "chat:write": "post the announcement, its thread reply and failure notices",
    "users:read": "read the name of the person declaring and of the commander",
    "users:read.email": "read the commander's email to find their Datadog user",
    "channels:join": "join a public channel to announce in it",
    "channels:read": "name public channels picked under “Notify channels”",
    "groups:read": "name private channels picked under “Notify channels”",
    "im:write": "DM the person declaring when the channel refuses the announcement",
    "usergroups:read": "check DECLARE_ALLOWED_USERGROUPS membership",
    "channels:history": "read a message reacted to with DECLARE_CAPTURE_REACTION in a public "
    "incident channel",
    "groups:history": "read a message reacted to with DECLARE_CAPTURE_REACTION in a private "
    "incident channel",
    "reactions:read": "receive the reaction_added event of DECLARE_CAPTURE_REACTION",
    "connections:write": "open Socket Mode connections (app-level token)",
    "channels:manage": "create, staff, title, archive and unarchive public incident channels",
    "groups:write": "create, staff, title, archive and unarchive private incident channels",
    "bookmarks:write": "bookmark the incident's link in its channel",
}
"""Why each scope is asked for: shown by `declare-bot check` and the README."""


def scopes_for(methods: frozenset[str] | set[str]) -> frozenset[str]:
    """The bot scopes a set of methods needs, plus the feature scopes; KeyError if unknown."""
    needed = {scope for method in methods for scope in METHOD_SCOPES[method]}
    return frozenset(needed | set(FEATURE_SCOPES))


REQUIRED_SCOPES: frozenset[str] = scopes_for(USED_METHODS)
"""Every bot-token scope declare-bot needs."""
