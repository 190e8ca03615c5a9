"""What declaring and updates from Slack write in the journal (bot/domain/incident/journal.py).

Never fatal: the journal is the record a postmortem is drafted from, not what the incident
runs on, so a store hiccup here is logged and the step goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.domain.incident.changes import Change, ChangeKind
from bot.domain.incident.journal import EntryKind, Journal, JournalEntry
from bot.domain.lifecycle.record import IncidentCard

log = logging.getLogger(__name__)

_KINDS = {ChangeKind.RESOLVED: EntryKind.RESOLVED, ChangeKind.REOPENED: EntryKind.REOPENED}


def keep(journal: Journal | None, entry: JournalEntry) -> None:
    """Write `entry` once (its key names the fact); a failure is logged, never raised."""
    if journal is None:
        return
    try:
        journal.add_entry(entry)
    except Exception:  # the record misses one line; the incident goes on
        log.warning("journal entry %s of %s not kept", entry.key, entry.incident_id, exc_info=True)


def keep_declared(journal: Journal | None, card: IncidentCard, at: float) -> None:
    keep(
        journal,
        JournalEntry(
            key="declared",
            incident_id=card.incident_id,
            at=at,
            kind=EntryKind.DECLARED,
            actor_id=card.declared_by or None,
            text=card.shown.title,
            data={"label": card.shown.label, "severity": card.shown.severity},
        ),
    )


def keep_changes(
    journal: Journal | None,
    incident_id: str,
    update_key: str,
    actor_id: str,
    changes: Sequence[Change],
    at: float,
) -> None:
    """One entry per change an update from Slack made (`update_key` makes them once)."""
    for n, change in enumerate(changes):
        keep(
            journal,
            JournalEntry(
                key=f"update:{update_key}:{n}",
                incident_id=incident_id,
                at=at,
                kind=_KINDS.get(change.kind, EntryKind.CHANGED),
                actor_id=actor_id,
                text=change.text,
                data={"field": change.kind.value, "before": change.before, "after": change.after},
            ),
        )
