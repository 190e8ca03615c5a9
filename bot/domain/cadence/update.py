"""A status update: what people are told of where an incident stands, kept in the journal."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

TEXT_MAX = 2900
"""Characters of an update kept and shown (a section block holds 3,000)."""


class StatusUpdate(BaseModel):
    """One status update as written and as it leaves: text, state, severity, next due."""

    model_config = ConfigDict(frozen=True)

    key: str
    card_key: str
    incident_id: str
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    state: str
    severity: str | None = None
    """The severity it set or confirmed (None: left as it was, e.g. `/declare update`)."""
    next_in: float | None = None
    """Seconds until the next update, as the person chose (None: the severity's interval)."""
    actor_id: str
    at: float

    @property
    def next_due(self) -> float | None:
        return self.at + self.next_in if self.next_in else None


def clean_text(text: str) -> str:
    """The update as typed, trimmed to what a message holds; "" when there is nothing."""
    return text.strip()[:TEXT_MAX]
