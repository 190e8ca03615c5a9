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

    def post_as_user(self, channel: str, user: str, text: str) -> str:
        """A message written by a person (not the bot) into a channel; returns its ts."""
        with self.lock:
            found = self._world.find_channel(channel)
            if found is None:
                raise KeyError(channel)
            ts = self._world.next_ts()
            message = {"type": "message", "user": user, "text": text, "ts": ts}
            self._world.messages.setdefault(found.id, []).append(message)
            return ts

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
