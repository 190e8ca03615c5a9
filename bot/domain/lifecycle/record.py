"""What the bot keeps about an announced incident (its card) and about each update to it.

A card is keyed by the message it is (`card_key(channel, ts)`): a button press finds the
incident from what the bot stored for that message, never from a value in the payload.
An `UpdateJob` is an accepted update, resolve or reopen, stored before the ack and carried
out step by step like a declaration: accepted → judged → patched → card_updated → done (or
failed); the card is already edited beside the PATCH (bot/domain/lifecycle/card.py).
"""

from __future__ import annotations

import hashlib
import time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.incident.responders import Responder
from bot.domain.incident.state import IncidentChanges, IncidentView


def card_key(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def update_key(team_id: str, view_id: str, view_hash: str) -> str:
    """One key per submission of one modal: Slack's redeliveries and double clicks share it."""
    digest = hashlib.sha256(f"{team_id}|{view_id}|{view_hash}".encode()).hexdigest()[:16]
    return f"up-{digest}"


class StatusNoticeRef(BaseModel):
    """The public notice (a Datadog status page degradation) published for an incident:
    later publishes change it, a resolve may resolve it (bot/domain/cadence/publish.py)."""

    model_config = ConfigDict(frozen=True)

    page_id: str
    degradation_id: str
    title: str
    status: str
    """Datadog's degradation status: investigating, identified, monitoring, resolved."""
    url: str | None = None
    """The public page people read."""
    components: dict[str, str] = {}
    """Affected component id -> its status as last published."""
    names: dict[str, str] = {}
    """Affected component id -> its name on the page (for notes)."""

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"


class IncidentCard(BaseModel):
    """An announced incident's live card: where it is and what it shows now."""

    model_config = ConfigDict(frozen=True)

    key: str
    incident_id: str
    channel: str
    ts: str
    thread_ts: str
    """Where thread notes go: the announcement, or the source message it was posted under."""
    team_id: str = ""
    declaration_key: str = ""
    origin_channel: str = ""
    """The conversation it was declared from (its allowlists and its members count there);
    empty on cards stored before it was kept, which then count `channel` alone."""
    declared_by: str = ""
    """The Slack user who declared it: always among those who may see it."""
    commander_slack_id: str | None = None
    shown: IncidentView
    """What the card shows (the last snapshot the bot published)."""
    last_update: str | None = None
    """The key of the last update from Slack saved here: who to name when it overtakes a
    later-judged change to the same field."""
    updated_at: float = Field(default_factory=time.time)
    version: int = 0
    """Saves so far: `save_card` writes only over the version it was read at (compare-and-set),
    so a slow writer never puts an older card back over a newer one."""

    responders: tuple[Responder, ...] = ()
    """The responders the card lists (Datadog's, with the Slack user when the bot knows it;
    the commander among them is shown once, as commander): kept by the responders feature
    and the sync, untouched by updates."""
    status_at: float | None = None
    """When the last status update was posted (cadence: "Last update 12 min ago")."""
    status_due: float | None = None
    """When the next status update is due, as the last one said (the card shows it)."""
    status_notice: StatusNoticeRef | None = None
    """The public notice on the status page, once one is published (DECLARE_STATUS_PAGE)."""
    postmortem_url: str | None = None
    """The incident's postmortem in Datadog, once drafted (the card's Postmortem opens it)."""

    moved_to: str | None = None
    """The card posted anew elsewhere when this one's channel stayed archived (a reopen
    Slack would not unarchive for): that card is followed, this one no longer."""

    @property
    def open(self) -> bool:
        return not self.shown.resolved and self.moved_to is None

    @property
    def closed(self) -> bool:
        """Resolved where it stands (not moved): the card a reopen made in Datadog takes back."""
        return self.shown.resolved and self.moved_to is None

    @property
    def declared_from(self) -> str:
        """Where the allowlists judge it: the channel it was declared from."""
        return self.origin_channel or self.channel


class UpdateKind(StrEnum):
    UPDATE = "update"
    RESOLVE = "resolve"
    REOPEN = "reopen"


class UpdateStep(StrEnum):
    ACCEPTED = "accepted"
    JUDGED = "judged"
    """Judged again under the card's lease; what to send is saved, so a resume sends it."""
    PATCHED = "patched"
    CARD_UPDATED = "card_updated"
    DONE = "done"
    FAILED = "failed"


class Overtaken(BaseModel):
    """A field this job did not send: someone changed it after the job was judged.

    Texts are as people read them: `name` "severity", `mine` "SEV-4", `theirs` "SEV-1".
    """

    model_config = ConfigDict(frozen=True)

    name: str
    mine: str
    theirs: str
    by: str | None = None
    """The Slack user whose update set it; None when it was changed in Datadog."""


class UpdateJob(BaseModel):
    """An accepted change to an incident from Slack; saved after every step."""

    model_config = ConfigDict(frozen=True)

    key: str
    card_key: str
    incident_id: str
    actor_id: str
    """The Slack user who asked for it (named in the thread note)."""
    kind: UpdateKind = UpdateKind.UPDATE
    changes: IncidentChanges
    commander_slack_id: str | None = None
    """The new commander's Slack user, when the commander changes."""
    note: str | None = None
    """A resolution note, shown in the thread."""
    step: UpdateStep = UpdateStep.ACCEPTED
    failed_at: UpdateStep | None = None
    error: str | None = None
    before: IncidentView | None = None
    """What the change is judged against: Datadog's incident at submit, then, once judged
    again under the lease, the incident the PATCH replaces (what the thread note names)."""
    after: IncidentView | None = None
    """Datadog's incident as the PATCH answered."""
    overtaken: tuple[Overtaken, ...] = ()
    """Fields not sent: changed by someone else after this job was judged (the person is told)."""
    note_ts: str | None = None
    modal_view_id: str | None = None
    attempts: int = 0
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)

    def advance(self, **changes: object) -> UpdateJob:
        return self.model_copy(update={**changes, "updated_at": time.time()})

    @property
    def finished(self) -> bool:
        return self.step in (UpdateStep.DONE, UpdateStep.FAILED)
