"""The access policy's Slack side: who a person is and who is in which conversation.

bot/domain/access/rules.py decides; this module reads the facts it decides on from Slack and
keeps them briefly, so a button press seldom waits on the network:

- the person (`users.info`: guest flags, home workspace): 5 minutes;
- whether a conversation is a public channel (`conversations.info`): 5 minutes;
- a conversation's members (`conversations.members`, every page): 1 minute.

Each cache is bounded (least recently used goes first) and looks a key up once at a time
(later callers wait for the same answer; bot/slack/access/_lookups.py). Callers bound their
wait: past it the answer is "Slack is slow", and the lookup goes on and is cached for the
next press. A failed read is never taken as "allowed": an unreadable person may not change
anything, and an unreadable channel counts as private with no members; a failed read is not
kept, so the next press asks Slack again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.domain.access.rules import ALLOWED, Act, Judgement, Person, Place, judge
from bot.domain.lifecycle.record import IncidentCard
from bot.slack.access._lookups import Lookups, TooSlow
from bot.slack.access.allowlist import Allowlist
from bot.slack.errors import error_of

log = logging.getLogger(__name__)

PEOPLE_TTL = 300.0
CHANNELS_TTL = 300.0
MEMBERS_TTL = 60.0
LOOKUP_THREADS = 8
"""Slack reads for the access check running at once (a burst of first presses)."""
MEMBERS_PAGE = 1000
MEMBERS_PAGES = 20
"""Pages of members read at most per conversation (20,000 people); past it, not a member."""
ACCESS_WAIT = 1.5
"""Seconds a check may wait on Slack before an answer Slack itself waits for (an ack, or a
modal opened with a 3-second trigger)."""
SLOW = (
    "Slack is slow to say who may {verb} this incident, so nothing was done. Try again in a moment."
)
UNKNOWN_PERSON = (
    "Slack wouldn't say who you are ({error}), so declare-bot can't let you {verb} "
    "incidents. Try again in a moment, or ask an admin."
)


@dataclass(frozen=True)
class _Read:
    """A person as `users.info` described them, or Slack's error (`found` False)."""

    found: bool
    error: str = ""
    guest: bool = False
    stranger: bool = False
    team: str = ""

    def person(self, user_id: str, home: str) -> Person | None:
        """The person as the policy judges them, from the workspace `home` (the team the
        request or the incident belongs to): from another one, they are external."""
        if not self.found:
            return None
        external = self.stranger or bool(self.team and home and self.team != home)
        return Person(user_id=user_id, guest=self.guest, external=external)


def _answered(value: object) -> bool:
    """Slack answered (None: it wouldn't say)."""
    return value is not None


MEMBER = _Read(found=True)
"""Declaring without the guest check (Slack slow or failing at submit): a plain member."""


class AccessPolicy:
    """Answers "may this person do that to this incident?" for every Slack surface."""

    def __init__(
        self,
        client: WebClient,
        allowlist: Allowlist,
        *,
        allow_guests: bool = False,
        people_ttl: float = PEOPLE_TTL,
        channels_ttl: float = CHANNELS_TTL,
        members_ttl: float = MEMBERS_TTL,
    ) -> None:
        self.client = client
        self.allowlist = allowlist
        self.allow_guests = allow_guests
        self._pool = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="access")
        self._people: Lookups[str, _Read] = Lookups(
            self._read_person, people_ttl, self._pool, keep=lambda read: read.found
        )
        self._public: Lookups[str, bool | None] = Lookups(
            self._read_public, channels_ttl, self._pool, keep=_answered
        )
        self._members: Lookups[str, frozenset[str] | None] = Lookups(
            self._read_members, members_ttl, self._pool, keep=_answered
        )

    # the decisions ---------------------------------------------------------------
    def may(
        self,
        act: Act,
        user_id: str,
        card: IncidentCard,
        *,
        wait: float,
        team_id: str = "",
        label: str = "",
    ) -> Judgement:
        """May `user_id` do `act` to the incident on `card`? Waits at most `wait` seconds.
        A person is external when their workspace is not the incident's (it was declared
        there); `team_id`, the workspace the request came from, stands in for an old card."""
        label = label or (f"IR-{card.shown.public_id}" if card.shown.public_id else "it")
        deadline = time.monotonic() + wait
        try:
            read = self._people.get(user_id, wait)
            person = read.person(user_id, card.team_id or team_id)
            if person is None:
                return Judgement(UNKNOWN_PERSON.format(error=read.error, verb=act.value))
            place = self._place(person, card, deadline)
            refusal = None
            if act.changes:
                left = max(0.0, deadline - time.monotonic())
                refusal = self.allowlist.refusal(user_id, card.declared_from, wait=left, act=act)
        except TooSlow:
            log.warning("access check for %s timed out after %.1fs", act.value, wait)
            return Judgement(SLOW.format(verb=act.value))
        return judge(
            act,
            person,
            place,
            label=label,
            allowlist_refusal=refusal,
            allow_guests=self.allow_guests,
        )

    def may_declare(
        self,
        user_id: str,
        channel_id: str,
        *,
        wait: float,
        team_id: str,
        at_submit: bool = False,
    ) -> Judgement:
        """May `user_id` declare from `channel_id`? (The allowlists and the guest rule.)

        `at_submit`: a declaration is never refused only because Slack is slow or fails to
        describe its person (the check after the form opened has usually answered, and replaced the
        form of a guest); the allowlists still refuse when they can't be read.
        """
        try:
            read = self._people.get(user_id, wait)
        except TooSlow:
            if not at_submit:
                return Judgement(SLOW.format(verb="declare").replace("this incident", "incidents"))
            log.warning("users.info is slow: declaring without the guest check")
            read = MEMBER
        if not read.found and at_submit:
            log.warning("users.info failed (%s): declaring without the guest check", read.error)
            read = MEMBER
        person = read.person(user_id, team_id)
        if person is None:
            return Judgement(UNKNOWN_PERSON.format(error=read.error, verb="declare"))
        return self._declaring(person, self.allowlist.refusal(user_id, channel_id, wait=wait))

    def _declaring(self, person: Person, allowlist_refusal: str | None) -> Judgement:
        return judge(
            Act.DECLARE,
            person,
            None,
            label="",
            allowlist_refusal=allowlist_refusal,
            allow_guests=self.allow_guests,
        )

    def cached_declare_refusal(
        self, user_id: str, channel_id: str, team_id: str
    ) -> tuple[bool, str | None]:
        """(known, refusal) for declaring, from what is cached alone: no I/O before an ack."""
        refusal = self.allowlist.channel_refusal(channel_id)
        if refusal:
            return True, refusal
        known, refusal = self.allowlist.cached_group_refusal(user_id)
        read = self._people.cached(user_id)
        person = read.person(user_id, team_id) if read is not None else None
        if person is None:
            return False, refusal
        return known, self._declaring(person, refusal).refusal

    def visible(
        self, user_id: str, cards: Iterable[IncidentCard], *, wait: float, team_id: str
    ) -> tuple[Person | None, list[IncidentCard]]:
        """The person (None when Slack wouldn't say) and the cards they may see."""
        deadline = time.monotonic() + wait
        person = self._people.get(user_id, wait).person(user_id, team_id)
        if person is None:
            return None, []
        shown = []
        for card in cards:
            place = self._place(person, card, deadline)
            if judge(Act.SEE, person, place, label="").allowed:
                shown.append(card)
        return person, shown

    def _place(self, person: Person, card: IncidentCard, deadline: float) -> Place:
        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        public = bool(self._public.get(card.channel, left()))  # unreadable: private
        member = person.user_id == card.declared_by
        outsider = person.guest or person.external
        if not member and (outsider or not public):
            for channel in dict.fromkeys((card.channel, card.declared_from)):
                if person.user_id in (self._members.get(channel, left()) or ()):
                    member = True
                    break
        return Place(card_public=public, member=member)

    # reading Slack ----------------------------------------------------------------
    def _read_person(self, user_id: str) -> _Read:
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except Exception as exc:  # noqa: BLE001 - any failure: this person can't change things
            log.warning("users.info for the access check failed: %s", error_of(exc))
            return _Read(found=False, error=error_of(exc))
        return _Read(
            found=True,
            guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
            stranger=bool(user.get("is_stranger")),
            team=str(user.get("team_id") or ""),
        )

    def _read_public(self, channel_id: str) -> bool | None:
        """Whether it is a public channel; None when Slack wouldn't say (not kept)."""
        if not channel_id or channel_id.startswith("D"):
            return False  # a DM (the announcement's fallback) is never public
        try:
            channel = self.client.conversations_info(channel=channel_id).get("channel") or {}
        except Exception as exc:  # noqa: BLE001 - unreadable: counted as private, asked again
            log.info("conversations.info %s for the access check: %s", channel_id, error_of(exc))
            return None
        return not (
            channel.get("is_private") or channel.get("is_im") or channel.get("is_mpim")
        ) and bool(channel.get("is_channel", True))

    def _read_members(self, channel_id: str) -> frozenset[str] | None:
        """Its members; None when Slack wouldn't say (nobody counts, and it is not kept)."""
        if not channel_id or channel_id.startswith("D"):
            return frozenset()  # a DM's person is the declarer, counted from the card
        members: set[str] = set()
        cursor = ""
        try:
            for _ in range(MEMBERS_PAGES):
                page = self.client.conversations_members(
                    channel=channel_id, limit=MEMBERS_PAGE, cursor=cursor or None
                )
                members.update(m for m in page.get("members") or [] if isinstance(m, str))
                meta = page.get("response_metadata") or {}
                cursor = str(meta.get("next_cursor") or "") if isinstance(meta, dict) else ""
                if not cursor:
                    break
        except Exception as exc:  # noqa: BLE001 - unreadable: nobody counts, asked again
            log.info("conversations.members %s for the access check: %s", channel_id, error_of(exc))
            return None
        return frozenset(members)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.allowlist.close()


__all__ = ["ALLOWED", "AccessPolicy", "Act", "Judgement", "TooSlow"]
