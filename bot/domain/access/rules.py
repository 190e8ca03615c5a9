"""Who may see and who may change an incident: the one access policy, as pure rules.

Every surface that shows or changes an incident (the card's buttons, `/declare list` and
its Update, both modals at open and at submit, Reopen, Retry, declaring itself) asks
`judge` with the facts the Slack side read (bot/slack/access/policy.py), so the rules live here
once and a table-driven test covers them all.

- See: anyone when the card lives in a public channel; otherwise members of the card's
  conversation or of the one it was declared from (and the person who declared it). Guests
  and people from another workspace see only what they are members of, public or not.
- Change (and declare): whoever may see it, who passes the allowlists judged against the
  channel the incident was declared from, and who is no guest or external person unless
  DECLARE_ALLOW_GUESTS=true.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Act(StrEnum):
    """What a person asks to do; its verb is what a refusal speaks of."""

    SEE = "see"
    DECLARE = "declare"
    UPDATE = "update"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    RETRY = "retry"
    ADD_RESPONDER = "add responders to"
    REMOVE_RESPONDER = "remove responders from"
    TAKE_COMMAND = "take command of"
    PAGE = "page"
    POST_UPDATE = "post a status update on"
    REMINDERS = "change the reminders of"
    CAPTURE = "add messages to"
    """Add a Slack message to the incident's record (the shortcut, the 📌 reaction)."""
    ADD_TODO = "add to-dos to"
    CHECK_TODO = "change the to-dos of"
    """Complete or reopen a to-do from the list in the card's thread."""
    POSTMORTEM = "draft the postmortem of"

    @property
    def changes(self) -> bool:
        return self is not Act.SEE


@dataclass(frozen=True)
class Person:
    """What Slack says of the person acting."""

    user_id: str
    guest: bool = False
    """A single- or multi-channel guest (`is_restricted` / `is_ultra_restricted`)."""
    external: bool = False
    """From another workspace (Slack Connect), or a stranger."""


@dataclass(frozen=True)
class Place:
    """Where an incident lives in Slack, and who is in those conversations."""

    card_public: bool
    """The card's conversation is a public channel."""
    member: bool
    """The person is a member of the card's conversation or of the one it was declared from
    (or declared it)."""


@dataclass(frozen=True)
class Judgement:
    """Allowed, or a refusal sentence for the person (mrkdwn)."""

    refusal: str | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


ALLOWED = Judgement()


def judge(
    act: Act,
    person: Person,
    place: Place | None,
    *,
    label: str,
    allowlist_refusal: str | None = None,
    allow_guests: bool = False,
) -> Judgement:
    """The decision for `act` on the incident called `label` (None place: declaring)."""
    outsider = person.guest or person.external
    if place is not None and not (place.member or (place.card_public and not outsider)):
        if act is Act.SEE:
            return Judgement(f"You can't see {label}.")
        return Judgement(
            f"You can't {act.value} {label}: only members of the channel it lives in, or of "
            "the one it was declared from, can see or change it. Ask someone there."
        )
    if not act.changes:
        return ALLOWED
    if outsider and not allow_guests:
        who = "Guests" if person.guest else "People from another workspace"
        what = "declare incidents" if place is None else f"{act.value} {label}"
        return Judgement(f"{who} can't {what} here. Ask a member of the workspace.")
    if allowlist_refusal:
        return Judgement(allowlist_refusal)
    return ALLOWED
