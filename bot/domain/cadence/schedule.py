"""What is due when: one `Cadence` per incident and the pure rules that move it.

    declared ──▶ due = declared + interval(severity)            (kind UPDATE)
    update   ──▶ due = update + ("next update in" or interval)   (kind UPDATE)
    reminder ──▶ due = reminded + interval(severity)             (it repeats until an update)
    stable   ──▶ due = stable since + DECLARE_STABLE_REMINDER    (kind RESOLVE, once)
    resolved ──▶ nothing due;  Stop ──▶ nothing due;  Snooze ──▶ due = now + snooze

A severity or state change re-judges the same way from the last update. `due_at` is what
the store indexes (a SQLite index, a Redis sorted set), so the scheduler reads only the
cadences due, never every open incident. `sending` is saved before a reminder is posted:
a restart that finds it set posts nothing for that due time (see docs/cadence.md).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.domain.cadence.policy import ReminderPolicy
from bot.domain.incident.state import ACTIVE, CLOSED_STATES, STABLE


class ReminderKind(StrEnum):
    UPDATE = "update"
    """No status update for the severity's interval: post one."""
    RESOLVE = "resolve"
    """Stable for DECLARE_STABLE_REMINDER: resolve it?"""


class Cadence(BaseModel):
    """One incident's rhythm: when it last spoke, when the next reminder is due, dismissals."""

    model_config = ConfigDict(frozen=True)

    card_key: str
    incident_id: str
    severity: str = "UNKNOWN"
    state: str = ACTIVE
    started_at: float
    """When the bot began following it (declared, usually)."""
    state_since: float
    """When it entered `state` (the stable reminder counts from here)."""
    last_update_at: float | None = None
    last_update_by: str | None = None
    next_update_at: float | None = None
    """When the last update said the next one would come (the card shows it)."""
    last_reminder_at: float | None = None
    due_at: float | None = None
    kind: ReminderKind = ReminderKind.UPDATE
    snoozed_until: float | None = None
    stopped: bool = False
    stopped_by: str | None = None
    stable_reminded: bool = False
    sending: float | None = None
    """The due time of a reminder being posted (saved before the post): never posted twice."""
    reminders: int = 0
    stakeholder_ts: str | None = None
    """The incident's one message in DECLARE_UPDATES_CHANNEL, once posted."""
    stakeholder_pending: bool = False
    """That message is still to be posted (the scheduler posts it, once)."""
    version: int = 0

    @property
    def spoke_at(self) -> float:
        """The last time anyone said where it stands (an update, else its start)."""
        return self.last_update_at if self.last_update_at is not None else self.started_at


def _open(state: str) -> bool:
    return state not in CLOSED_STATES


def judge(cadence: Cadence, policy: ReminderPolicy, now: float) -> Cadence:
    """`due_at` and `kind` from what the cadence knows (the one rule; every event ends here)."""
    due: float | None = None
    kind = ReminderKind.UPDATE
    state = cadence.state
    if cadence.stopped or not _open(state):
        due = None
    elif state == STABLE:
        kind = ReminderKind.RESOLVE
        if policy.stable is not None and not cadence.stable_reminded:
            due = max(cadence.state_since, cadence.spoke_at) + policy.stable
    else:
        interval = policy.interval(cadence.severity)
        if interval is not None:
            base = cadence.spoke_at
            if cadence.last_reminder_at is not None:
                base = max(base, cadence.last_reminder_at)
            due = base + interval
            promised = cadence.next_update_at
            if promised is not None and cadence.last_reminder_at is None:
                due = promised  # the person said when the next one comes
    if due is not None and cadence.snoozed_until is not None:
        due = max(due, cadence.snoozed_until)
    return cadence.model_copy(update={"due_at": due, "kind": kind})


def started(
    card_key: str,
    incident_id: str,
    severity: str,
    state: str,
    policy: ReminderPolicy,
    now: float,
    *,
    stakeholders: bool = False,
) -> Cadence:
    """A new incident's cadence: its first update is due one interval after it began."""
    cadence = Cadence(
        card_key=card_key,
        incident_id=incident_id,
        severity=severity,
        state=state,
        started_at=now,
        state_since=now,
        stakeholder_pending=stakeholders,
    )
    return judge(cadence, policy, now)


def changed(
    cadence: Cadence, severity: str, state: str, policy: ReminderPolicy, now: float
) -> Cadence:
    """A severity or state change (from Slack or Datadog) re-schedules."""
    if severity == cadence.severity and state == cadence.state:
        return cadence
    update: dict[str, object] = {"severity": severity, "state": state}
    if state != cadence.state:
        update["state_since"] = now
        if state != STABLE:
            update["stable_reminded"] = False
    return judge(cadence.model_copy(update=update), policy, now)


def updated(
    cadence: Cadence,
    *,
    at: float,
    by: str,
    severity: str,
    state: str,
    next_in: float | None,
    policy: ReminderPolicy,
) -> Cadence:
    """A status update: the clock starts again (and a snooze is over)."""
    moved = changed(cadence, severity, state, policy, at)
    fresh = moved.model_copy(
        update={
            "last_update_at": at,
            "last_update_by": by,
            "next_update_at": at + next_in if next_in else None,
            "last_reminder_at": None,
            "snoozed_until": None,
        }
    )
    return judge(fresh, policy, at)


def reminded(cadence: Cadence, policy: ReminderPolicy, at: float) -> Cadence:
    """A reminder went out (or may have: `sending` was set): the next one an interval on."""
    update: dict[str, object] = {
        "last_reminder_at": at,
        "sending": None,
        "reminders": cadence.reminders + 1,
        "snoozed_until": None,
    }
    if cadence.kind is ReminderKind.RESOLVE:
        update["stable_reminded"] = True
    return judge(cadence.model_copy(update=update), policy, at)


def snoozed(cadence: Cadence, policy: ReminderPolicy, now: float) -> Cadence:
    return judge(cadence.model_copy(update={"snoozed_until": now + policy.snooze}), policy, now)


def stopped(cadence: Cadence, by: str) -> Cadence:
    return cadence.model_copy(update={"stopped": True, "stopped_by": by, "due_at": None})


def overdue(cadence: Cadence, now: float) -> bool:
    """An update is late: its reminder is due (or past) and not dismissed."""
    return (
        cadence.due_at is not None and cadence.due_at <= now and cadence.kind is ReminderKind.UPDATE
    )


def wake_at(cadence: Cadence) -> float | None:
    """When the scheduler must look at it: its reminder, or its stakeholder message now."""
    if cadence.stakeholder_pending:
        return cadence.started_at
    return cadence.due_at
