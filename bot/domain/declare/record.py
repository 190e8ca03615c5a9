"""A stored declaration and how far it has come; saved after every step."""

from __future__ import annotations

import time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.channel.plan import ChannelPlan
from bot.domain.incident.declaration import Declaration, Handle
from bot.domain.responders.paging import PageRequest, PageSent


class Step(StrEnum):
    """Progress, in order; a resumed declaration continues after its last completed step."""

    ACCEPTED = "accepted"
    COMMANDER_RESOLVED = "commander_resolved"
    INCIDENT_CREATED = "incident_created"
    ANNOUNCED = "announced"
    DONE = "done"
    FAILED = "failed"


class Delivered(StrEnum):
    """How the announcement reached people."""

    CHANNEL = "channel"
    THREAD = "thread"
    """In the thread of the message declared from (the message shortcut)."""
    DM = "dm"
    EPHEMERAL = "ephemeral"

    @property
    def posted(self) -> bool:
        """A message in the channel or its thread: it has a permalink and a thread."""
        return self in (Delivered.CHANNEL, Delivered.THREAD)


class DeclarationRecord(BaseModel):
    """Everything needed to resume a declaration after a crash, on any replica."""

    model_config = ConfigDict(frozen=True)

    key: str
    declaration: Declaration
    step: Step = Step.ACCEPTED
    failed_at: Step | None = None
    """The step that failed; a retry resumes there."""
    error: str | None = None
    commander_dd_id: str | None = None
    commander_email: str | None = None
    handles: tuple[Handle, ...] = ()
    notes: tuple[str, ...] = ()
    """Things worth telling in the thread, e.g. a person who could not be notified."""
    create_started_at: float | None = None
    """Set before the first create call: from then on, look for the incident before retrying."""
    incident_id: str | None = None
    public_id: int | None = None
    incident_url: str | None = None
    announce_channel: str | None = None
    announce_ts: str | None = None
    announce_permalink: str | None = None
    delivered: Delivered | None = None
    placeholder_channel: str | None = None
    """Where the announcement was posted before the incident existed ("creating in
    Datadog…"): saved as soon as Slack answers, so a resume or Retry edits it in place."""
    placeholder_ts: str | None = None
    placeholder_how: Delivered | None = None
    thread_reply_ts: str | None = None
    modal_view_id: str | None = None
    source_key: str | None = None
    """Identifies the source message of a message-shortcut declaration."""
    channel: ChannelPlan | None = None
    """The incident channel, when the declaration asked for one (channel/plan.py)."""
    page: PageRequest | None = None
    """Who to page once the incident exists (the form's optional Page fields)."""
    page_started_at: float | None = None
    """Saved before the page is sent: a resume that finds it set and no `page_sent` never
    pages again (Datadog lists no pages to look in); it says the page may have gone out."""
    page_sent: PageSent | None = None
    """The page's outcome once known: its id, or empty when it failed or may have gone out."""
    attempts: int = 0
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)

    def advance(self, **changes: object) -> DeclarationRecord:
        """A copy with `changes` applied and the timestamp bumped."""
        return self.model_copy(update={**changes, "updated_at": time.time()})

    @property
    def incident_label(self) -> str:
        """How messages name the incident: its public id once Datadog gave one."""
        return f"IR-{self.public_id}" if self.public_id is not None else "the incident"

    @property
    def finished(self) -> bool:
        return self.step is Step.DONE
