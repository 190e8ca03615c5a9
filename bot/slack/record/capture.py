"""Adding a Slack message to an incident: the "Add to incident" shortcut, its picker, 📌.

In an incident's channel or its card's thread the incident is known and the message is added
at once; anywhere else a picker offers the open incidents the person may see (the access
policy's `visible`). Every way ends in `capture`: the message read (author, time, text,
files by name, Slack's permalink), kept in the journal (one entry per message, so adding it
twice keeps one), and a `capture` chore that adds the link in Datadog exactly once (it looks
for the permalink among the incident's links before adding) and posts "📌 added to IR-12 by
@x" with the quote in the card's thread. Work after the ack runs on the interaction pool.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.access.rules import Act
from bot.domain.lifecycle.chores import Chore, chore_key
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.record.capture import CapturedMessage, captured_entry
from bot.domain.record.works import CAPTURE
from bot.slack.access.policy import ACCESS_WAIT
from bot.slack.common import payload
from bot.slack.common.context import Services, after_ack
from bot.slack.common.mrkdwn import FALLBACK_MAX, SECTION_MAX, cut, escape, verbatim
from bot.slack.declare import messages
from bot.slack.declare.command import ephemeral
from bot.slack.errors import error_of
from bot.slack.lifecycle.card_actions import STORE_DOWN, open_view
from bot.slack.lifecycle.publisher import tell_person
from bot.slack.lifecycle.update_submission import ACCESS_SUBMIT_WAIT, AckClock
from bot.slack.record.blocks import INCIDENT_BLOCK, picker_view
from bot.slack.record.locate import card_for_message, card_of_channel

log = logging.getLogger(__name__)

Tell = Callable[[str], None]
TEXT_KEPT = 4000
"""Characters of a message the record keeps (the permalink leads to the whole)."""
PICKER_TEXT = 2000
"""Characters carried through the picker (its private_metadata holds at most 3000)."""
METADATA_MAX = 3000
"""Slack's limit on a view's private_metadata."""
PICKER_UNREADABLE = (
    "declare-bot couldn't read which message this picker was for. Close it and use "
    "*Add to incident* on the message again."
)
UNREADABLE = (
    "declare-bot couldn't read the message you reacted to, so it wasn't added. If it's in "
    "a thread, use *Add to incident* on it instead."
)
NO_INCIDENTS = "There are no open incidents you can see to add this message to."
NO_PERMALINK = (
    "Slack wouldn't give this message's link ({error}), so it wasn't added. "
    "If it's in a private channel, invite declare-bot there first."
)


class NotCaptured(Exception):
    """The message can't be added; `text` says why (mrkdwn)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _files(message: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        payload.string(f, "name") or payload.string(f, "title") or "a file"
        for f in payload.objects(message, "files")
    )


def _author_name(message: dict[str, Any]) -> str | None:
    profile = payload.obj(message, "user_profile")
    name = payload.string(profile, "real_name") or payload.string(profile, "display_name")
    return name or payload.string(message, "username") or None


def _name_of(client: WebClient, user_id: str) -> str | None:
    """The author's name, so the note names them without pinging them."""
    if not user_id.startswith(("U", "W")):
        return None
    try:
        user = payload.as_dict(client.users_info(user=user_id).get("user"))
    except SlackApiError as exc:
        log.info("users.info for a captured message's author failed: %s", error_of(exc))
        return None
    profile = payload.obj(user, "profile")
    return (
        payload.string(profile, "real_name")
        or payload.string(profile, "display_name")
        or payload.string(user, "name")
        or None
    )


def read_message(client: WebClient, channel: str, message: dict[str, Any]) -> CapturedMessage:
    """What the record keeps of a Slack message; its permalink from chat.getPermalink."""
    ts = payload.string(message, "ts")
    try:
        permalink = str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        raise NotCaptured(NO_PERMALINK.format(error=error_of(exc))) from exc
    text = payload.string(message, "text")
    if len(text) > TEXT_KEPT:
        text = text[: TEXT_KEPT - 1] + "…"
    author = payload.string(message, "user") or payload.string(message, "bot_id")
    return CapturedMessage(
        channel_id=channel,
        ts=ts,
        author_id=author or None,
        author_name=_author_name(message) or _name_of(client, author),
        text=text,
        permalink=permalink,
        files=_files(message),
        thread_ts=payload.string(message, "thread_ts") or None,
    )


def tell_privately(client: WebClient, user_id: str, card: IncidentCard) -> Tell:
    """Tell the person ephemerally in the card's channel, else by DM (`tell_person`)."""

    def tell(text: str) -> None:
        shown = cut(text, SECTION_MAX)
        message = (cut(text, FALLBACK_MAX), [{"type": "section", "text": verbatim(shown)}])
        tell_person(client, user_id, card, message, "a capture")

    return tell


def capture(
    services: Services,
    client: WebClient,
    card: IncidentCard,
    channel: str,
    message: dict[str, Any],
    actor_id: str,
    tell: Tell | None,
    *,
    success_told: bool = True,
) -> bool:
    """Keep the message in the incident's record and start its chore (after the ack).
    False when it was kept already (nothing new is sent). `success_told` False: only what
    went wrong is told (a 📌: the note in the thread says it was added)."""
    label = escape(card.shown.label)
    try:
        captured = read_message(client, channel, message)
    except NotCaptured as no:
        if tell:
            tell(messages.refusal(no.text))
        return False
    chore = Chore(
        key=chore_key(CAPTURE, card.incident_id, captured.channel_id, captured.ts),
        kind=CAPTURE,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=actor_id,
        params={"message": captured.model_dump(mode="json")},
    )
    try:
        kept = services.journal.add_entry(captured_entry(captured, card.incident_id, actor_id))
        started = services.chores.submit(chore)
    except Exception:  # the store is down: nothing was sent
        log.exception("storing a captured message failed")
        if tell:
            tell(messages.refusal(STORE_DOWN))
        return False
    log.info(
        "message %s captured into %s: kept %s, chore %s", captured.key, card.key, kept, started
    )
    if tell and success_told:
        if kept or started:
            tell(f"📌 Added to {label}: it's quoted in the card's thread and linked in Datadog.")
        else:
            tell(f"That message is already in {label}'s record.")
    return kept or started


def refusal_of(
    services: Services,
    act: Act,
    user_id: str,
    card: IncidentCard,
    team_id: str,
    *,
    wait: float = ACCESS_WAIT,
) -> str | None:
    """Why the one access policy refuses `act` to this person; None when they may. Before
    an ack, `wait` is what the ack's clock leaves (`AckClock.left(ACCESS_SUBMIT_WAIT)`)."""
    verdict = services.access.may(act, user_id, card, wait=wait, team_id=team_id)
    return verdict.refusal


def team_of(body: dict[str, Any]) -> str:
    return payload.string(payload.obj(body, "team"), "id") or payload.string(
        payload.obj(body, "user"), "team_id"
    )


def open_cards_newest_first(services: Services) -> list[IncidentCard]:
    cards = services.cards.open_cards()
    return sorted(cards, key=lambda c: c.shown.public_id or 0, reverse=True)


def _picker_metadata(channel: str, message: dict[str, Any]) -> str:
    """The message, as JSON within private_metadata's 3000 characters: the text is shortened
    (never the JSON cut) until it fits, whatever its script."""
    text = payload.string(message, "text")[:PICKER_TEXT]
    files = [{"name": n[:100]} for n in _files(message)][:20]
    while True:
        kept = {
            "c": channel,
            "m": {
                "ts": payload.string(message, "ts"),
                "user": payload.string(message, "user"),
                "thread_ts": payload.string(message, "thread_ts"),
                "text": text,
                "files": files,
            },
        }
        encoded = json.dumps(kept, ensure_ascii=False)
        size = len(encoded.encode("utf-16-le")) // 2  # an emoji counts twice, as in Slack
        if size <= METADATA_MAX or (not text and not files):
            return encoded
        over = size - METADATA_MAX
        if text:
            text = text[: max(0, len(text) - max(over, 1))]
        else:
            files = files[:-1]


def add_to_incident(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    """The "Add to incident" message shortcut."""
    ack()
    tell = ephemeral(respond, body)
    user_id = payload.user_id(body)
    team_id = team_of(body)
    channel = payload.string(payload.obj(body, "channel"), "id")
    message = payload.obj(body, "message")
    ts = payload.string(message, "ts") or payload.string(body, "message_ts")
    message = {**message, "ts": ts}
    try:
        cards = open_cards_newest_first(services)
    except Exception:  # the store is down: the person hears it
        log.exception("reading the open cards failed")
        if tell:
            tell(messages.refusal(STORE_DOWN))
        return
    card = card_for_message(cards, channel, ts, payload.string(message, "thread_ts") or None)
    if card is not None:

        def add_here() -> None:
            refusal = refusal_of(services, Act.CAPTURE, user_id, card, team_id)
            if refusal:
                if tell:
                    tell(messages.refusal(refusal))
                return
            capture(services, client, card, channel, message, user_id, tell)

        after_ack(services, add_here, lambda text: tell(messages.refusal(text)) if tell else None)
        return
    _, visible = services.access.visible(user_id, cards, wait=ACCESS_WAIT, team_id=team_id)
    if not visible:
        if tell:
            tell(messages.refusal(NO_INCIDENTS))
        return
    preview = payload.string(message, "text") or "(no text)"
    open_view(
        client, respond, body, picker_view(visible, _picker_metadata(channel, message), preview)
    )


def submit_capture_picker(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, services: Services
) -> None:
    """The picker's submission: the chosen incident, checked again, then the capture."""
    clock = AckClock(context)
    view = payload.view(body)
    values = payload.obj(payload.obj(view, "state"), "values")
    chosen = payload.string(
        payload.obj(
            payload.obj(payload.obj(values, INCIDENT_BLOCK), INCIDENT_BLOCK), "selected_option"
        ),
        "value",
    )
    user_id = payload.user_id(body)
    try:
        kept = payload.as_dict(json.loads(payload.string(view, "private_metadata") or "{}"))
    except ValueError:
        log.warning("the capture picker's metadata is unreadable")
        ack(response_action="errors", errors={INCIDENT_BLOCK: PICKER_UNREADABLE})
        return
    try:
        card = services.cards.get_card(chosen) if chosen else None
    except Exception:  # the store is down
        log.exception("reading the capture picker's card failed")
        ack(response_action="errors", errors={INCIDENT_BLOCK: STORE_DOWN})
        return
    if card is None:
        ack(response_action="errors", errors={INCIDENT_BLOCK: "Pick an incident."})
        return
    wait = clock.left(ACCESS_SUBMIT_WAIT)
    refusal = refusal_of(services, Act.CAPTURE, user_id, card, team_of(body), wait=wait)
    if refusal:
        ack(response_action="errors", errors={INCIDENT_BLOCK: refusal})
        return
    ack()
    channel = str(kept.get("c", ""))
    message = payload.as_dict(kept.get("m"))

    tell = tell_privately(client, user_id, card)
    after_ack(
        services, lambda: capture(services, client, card, channel, message, user_id, tell), tell
    )


# --- 📌: a reaction in an incident channel the bot created (DECLARE_CAPTURE_REACTION) -------


def read_reacted(client: WebClient, channel: str, ts: str) -> dict[str, Any] | None:
    """The reacted message: a top-level one from conversations.history, else a thread reply
    from conversations.replies (its ts answers that reply alone)."""
    try:
        found = client.conversations_history(
            channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
        )
        for message in payload.objects(found.data, "messages"):
            if payload.string(message, "ts") == ts:
                return message
        found = client.conversations_replies(channel=channel, ts=ts, limit=1)
        for message in payload.objects(found.data, "messages"):
            if payload.string(message, "ts") == ts:
                return message
    except SlackApiError as exc:
        log.warning("reading a reacted message failed: %s", error_of(exc))
    return None


def capture_reaction(body: dict[str, Any], client: WebClient, services: Services) -> None:
    """`reaction_added`: the configured emoji on a message in an incident channel adds it."""
    wanted = services.settings.capture_reaction
    event = payload.obj(body, "event")
    item = payload.obj(event, "item")
    if not wanted or payload.string(event, "reaction") != wanted:
        return
    if payload.string(item, "type") != "message":
        return
    channel, ts = payload.string(item, "channel"), payload.string(item, "ts")
    user_id = payload.string(event, "user")
    team_id = payload.string(body, "team_id")

    def add() -> None:
        card = card_of_channel(services.cards.open_cards(), channel)
        if card is None:
            return  # not an incident channel the bot created: reactions there mean nothing
        tell = tell_privately(client, user_id, card)  # ephemeral in that channel, else a DM
        refusal = refusal_of(services, Act.CAPTURE, user_id, card, team_id)
        if refusal:
            log.info("a %s reaction by %s on %s: not allowed", wanted, user_id, card.key)
            tell(messages.refusal(refusal))
            return
        message = read_reacted(client, channel, ts)
        if message is None:
            tell(messages.refusal(UNREADABLE))
            return
        capture(services, client, card, channel, message, user_id, tell, success_told=False)

    after_ack(services, add, None)
