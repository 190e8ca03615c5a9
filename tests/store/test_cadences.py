"""Cadences: one contract, SQLite and Redis (real servers): compare-and-set, the due index."""

from __future__ import annotations

from bot.domain.cadence.policy import ReminderPolicy
from bot.domain.cadence.schedule import reminded, started, stopped
from tests.store.test_contract import Opener
from tests.store.test_contract import opener as opener  # the both-stores fixture

POLICY = ReminderPolicy.from_settings("SEV-1=15m,SEV-2=30m", "4h")
T0 = 1_000_000.0


def test_a_cadence_is_added_once_and_saved_only_over_the_version_read(opener: Opener) -> None:
    store, other = opener(), opener()
    cadence = started("C1:1.0", "i1", "SEV-1", "active", POLICY, T0)
    assert store.add_cadence(cadence)
    assert not other.add_cadence(cadence), "one cadence per card"
    read = other.get_cadence("C1:1.0")
    assert read == cadence
    assert store.save_cadence(reminded(cadence, POLICY, T0 + 900))
    assert not other.save_cadence(stopped(cadence, "U1")), "written meanwhile: nothing written"
    now = store.get_cadence("C1:1.0")
    assert now is not None and now.version == 1 and now.reminders == 1
    assert store.get_cadence("nope") is None


def test_only_what_is_due_is_read_earliest_first(opener: Opener) -> None:
    store = opener()
    for i in range(20):  # 20 open, due at T0+900 (SEV-1) or T0+1800 (SEV-2)
        severity = "SEV-1" if i % 2 else "SEV-2"
        store.add_cadence(started(f"C:{i}", f"i{i}", severity, "active", POLICY, T0 + i))
    store.add_cadence(started("C:off", "ioff", "SEV-4", "active", POLICY, T0))  # never due
    assert store.due_cadences(T0 + 100, 50) == []
    due = store.due_cadences(T0 + 1000, 50)
    assert len(due) == 10 and all(c.severity == "SEV-1" for c in due)
    assert [c.due_at for c in due] == sorted(c.due_at for c in due)
    assert len(store.due_cadences(T0 + 5000, 4)) == 4, "bounded by the limit"
    assert len(store.due_cadences(T0 + 5000, 100)) == 20
    first = due[0]
    assert store.save_cadence(stopped(first, "U1"))
    assert first.card_key not in {c.card_key for c in store.due_cadences(T0 + 5000, 100)}


def test_overdue_counts_reminded_incidents(opener: Opener) -> None:
    store = opener()
    a = started("C:a", "ia", "SEV-1", "active", POLICY, T0)
    b = started("C:b", "ib", "SEV-1", "active", POLICY, T0)
    store.add_cadence(a)
    store.add_cadence(b)
    assert store.overdue_count() == 0
    store.save_cadence(reminded(a, POLICY, T0 + 900))
    assert store.overdue_count() == 1


def test_a_card_from_before_cadence_gets_one_at_its_first_change(opener: Opener) -> None:
    from bot.domain.cadence.follow import Cadences
    from bot.domain.incident.state import IncidentView
    from bot.domain.lifecycle.record import IncidentCard

    store = opener()
    cadences = Cadences(store, POLICY, stakeholders=True, clock=lambda: T0)
    view = IncidentView(incident_id="i9", public_id=9, severity="SEV-1")
    card = IncidentCard(key="C:9", incident_id="i9", channel="C", ts="9", thread_ts="9", shown=view)
    cadences.follow(card)
    found = store.get_cadence("C:9")
    assert found is not None and found.due_at == T0 + 900
    assert not found.stakeholder_pending, "no stakeholder message for an old incident"
    resolved = card.model_copy(update={"shown": view.model_copy(update={"state": "resolved"})})
    cadences.follow(resolved)
    after = store.get_cadence("C:9")
    assert after is not None and after.due_at is None and store.due_cadences(T0 + 10**6, 9) == []
