"""What people do in the emulated workspace besides calling the API: post, type, edit settings.

A mixin of `SlackEmulator` (web_api.py), kept apart so that file stays a server. Tests use
it to set up what chat.update and views.update must respect: messages the bot did not post,
the workspace's edit window, values typed into an open modal.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from bot.emulators.slack.state import SlackWorld
from bot.emulators.slack.view_state import Values, shown_values


class PeopleActions:
    """Arranging and inspecting what people did; every method takes `self.lock`."""

    lock: threading.RLock
    _world: SlackWorld

    def post_as_user(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        files: list[str] | None = None,
    ) -> str:
        """A message written by a person (not the bot) into a channel or a thread (its
        root's ts), with files shared by name; returns its ts."""
        with self.lock:
            found = self._world.find_channel(channel)
            if found is None:
                raise KeyError(channel)
            ts = self._world.next_ts()
            message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts}
            if files:
                message["files"] = [
                    {"id": f"F{i:08d}", "name": name, "title": name} for i, name in enumerate(files)
                ]
            if thread_ts is not None:
                parent = self._world.find_message(found.id, thread_ts)
                if parent is None:
                    raise KeyError(thread_ts)
                root = str(parent.get("thread_ts") or parent["ts"])
                message["thread_ts"] = root
                parent = self._world.find_message(found.id, root) or parent
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["latest_reply"] = ts
            self._world.messages.setdefault(found.id, []).append(message)
            return ts

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """One message as Slack holds it (what a message shortcut's payload carries)."""
        with self.lock:
            found = self._world.find_channel(channel)
            message = self._world.find_message(found.id if found else channel, ts)
            if message is None:
                raise KeyError(ts)
            return copy.deepcopy(message)

    def add_reaction(self, channel: str, ts: str, user: str, reaction: str) -> dict[str, Any]:
        """A person reacts to a message: kept on it, and the `reaction_added` event Slack
        sends the app is returned (send it with `events_api_body` or a Socket Mode envelope)."""
        with self.lock:
            found = self._world.find_channel(channel)
            if found is None:
                raise KeyError(channel)
            message = self._world.find_message(found.id, ts)
            if message is None:
                raise KeyError(ts)
            reactions = message.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == reaction), None)
            if entry is None:
                entry = {"name": reaction, "users": [], "count": 0}
                reactions.append(entry)
            if user not in entry["users"]:
                entry["users"].append(user)
                entry["count"] += 1
            return {
                "type": "reaction_added",
                "user": user,
                "reaction": reaction,
                "item_user": message.get("user", ""),
                "item": {"type": "message", "channel": found.id, "ts": ts},
                "event_ts": self._world.next_ts(),
            }

    def set_edit_window(self, seconds: float | None) -> None:
        """The workspace's "people can edit messages" window; None is "any time"."""
        with self.lock:
            self._world.edit_window = seconds

    def edits(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The versions of a message that chat.update replaced, oldest first."""
        with self.lock:
            found = self._world.find_channel(channel)
            key = (found.id if found else channel, ts)
            return copy.deepcopy(self._world.edits.get(key, []))

    def shown_values(self, view_id: str) -> Values:
        """What submitting the modal now would send: typed values, else initial ones."""
        with self.lock:
            return shown_values(self._world.views[view_id])

    def type_into(self, view_id: str, block_id: str, action_id: str, value: Any) -> None:
        """A person types or picks `value` (e.g. `{"type": "plain_text_input", "value": …}`)."""
        with self.lock:
            view = self._world.views[view_id]
            view["state"]["values"].setdefault(block_id, {})[action_id] = copy.deepcopy(value)
