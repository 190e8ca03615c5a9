"""The card side of an update: shown while the PATCH is in flight, kept, or put back.

The submit already paid one round trip (the GET that judges conflicts), so the card's
`chat.update` does not wait for the PATCH as well: it goes out beside it, showing the
values the PATCH sets. The thread note still waits for the PATCH (a note never claims a
change Datadog lacks); a PATCH that fails for good puts the card back as it was. The
store's card keeps what Datadog answered, never the preview, so a resumed job and the sync
judge against Datadog's values only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.domain.incident.state import IncidentView
from bot.domain.lifecycle.ports import CardHomeGone, CardPublisher, IncidentStore
from bot.domain.lifecycle.record import IncidentCard, card_key

log = logging.getLogger(__name__)

MOVES = 5
"""Moved cards followed at most (each reopen whose channel stayed archived moves it once)."""


def showing(card: IncidentCard, view: IncidentView, new_commander: str | None) -> IncidentCard:
    """`card` showing `view`; `new_commander` is the Slack user when this change set them.
    A commander changed by someone else is shown by Datadog's name, not a stale mention."""
    commander = card.commander_slack_id
    if new_commander:
        commander = new_commander
    elif view.commander_id != card.shown.commander_id:
        commander = None
    shown = view.model_copy(update={"url": view.url or card.shown.url})
    return card.model_copy(update={"shown": shown, "commander_slack_id": commander})


def _visible(card: IncidentCard) -> tuple[IncidentView, str | None, float | None, float | None]:
    """What the message shows: not Datadog's bookkeeping, and a mentioned commander only
    by who they are (Datadog's answer names them where the preview had their email)."""
    view = card.shown
    update: dict[str, object] = {
        "modified": None,
        "created": None,
        "last_modified_by": None,
        "responder_ids": (),
        "customer_impact_start": None,
        "resolved_at": None,
    }
    if card.commander_slack_id and view.commander is not None:
        update["commander"] = view.commander.model_copy(update={"display": "", "email": None})
    return view.model_copy(update=update), card.commander_slack_id, card.status_at, card.status_due


def same_card(a: IncidentCard, b: IncidentCard) -> bool:
    """The two would render the same message: no second `chat.update` needed."""
    return _visible(a) == _visible(b)


def followed_card(store: IncidentStore, key: str) -> IncidentCard | None:
    """The card stored under `key`, or the one it moved to (its channel stayed archived)."""
    card = store.get_card(key)
    for _ in range(MOVES):
        if card is None or card.moved_to is None:
            break
        card = store.get_card(card.moved_to)
    return card


def publish_card(
    store: IncidentStore, publisher: CardPublisher, card: IncidentCard
) -> IncidentCard:
    """Edit the card in place; if its channel stays archived, post it anew where Slack says
    (the origin), follow that one from now on, and return it (else `card`). The caller
    saves the returned card; the old one is saved here, pointing at the new."""
    try:
        publisher.update_card(card)
        return card
    except CardHomeGone as gone:
        channel, thread_ts = gone.channel, gone.thread_ts
        ts = publisher.post_card(card, channel, thread_ts, gone.reason)
    moved = card.model_copy(
        update={
            "key": card_key(channel, ts),
            "channel": channel,
            "ts": ts,
            "thread_ts": thread_ts or ts,
            "version": 0,
        }
    )
    store.add_card(moved)
    if not store.save_card(card.model_copy(update={"moved_to": moved.key})):
        log.warning("the card of %s moved, but its old record changed meanwhile", card.shown.label)
    log.info("the card of %s goes on in %s", card.shown.label, channel)
    return moved


class CardEdit:
    """One card edit on its own thread, so it is in flight beside the PATCH."""

    def __init__(self, publish: Callable[[IncidentCard], None], card: IncidentCard) -> None:
        self.card = card
        self._error: Exception | None = None
        self._thread = threading.Thread(
            target=self._run, args=(publish,), daemon=True, name="card-edit"
        )
        self._thread.start()

    def _run(self, publish: Callable[[IncidentCard], None]) -> None:
        try:
            publish(self.card)
        except Exception as exc:  # noqa: BLE001 - told by `shown()`: the card step retries
            log.info("the card edit beside the PATCH failed: %s", exc)
            self._error = exc

    def shown(self) -> bool:
        """Wait for the edit; True when Slack took it."""
        self._thread.join()
        return self._error is None
