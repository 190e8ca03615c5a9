"""The responders as the card lists them, and the thread notes' words for a change."""

from __future__ import annotations

from bot.domain.incident.responders import Responder


def roster(
    responders: tuple[Responder, ...] | list[Responder], commander_id: str | None
) -> tuple[Responder, ...]:
    """The responders as the card lists them below the commander: without the commander
    (Datadog lists the commander as a responder too; the card shows them once, first),
    each Datadog user once, in the order they were added."""
    seen: set[str] = set()
    out: list[Responder] = []
    # by when they were added; one not yet in Datadog (no `created`) is the newest
    for responder in sorted(responders, key=lambda r: r.created or "\uffff"):
        user = responder.datadog_user_id or responder.responder_id
        if user == commander_id or user in seen:
            continue
        seen.add(user)
        out.append(responder)
    return tuple(out)


def with_added(responders: tuple[Responder, ...], added: Responder) -> tuple[Responder, ...]:
    """`added` listed (replacing the same responder id, which a resumed add may see twice)."""
    return (*(r for r in responders if r.responder_id != added.responder_id), added)


def without(responders: tuple[Responder, ...], responder_id: str) -> tuple[Responder, ...]:
    return tuple(r for r in responders if r.responder_id != responder_id)


def known_as(fresh: list[Responder], known: tuple[Responder, ...]) -> tuple[Responder, ...]:
    """Datadog's list, each person's Slack user and role name kept from what the bot knew
    (Datadog knows neither)."""
    by_user = {r.datadog_user_id: r for r in known if r.datadog_user_id}
    by_id = {r.responder_id: r for r in known}
    out = []
    for responder in fresh:
        old = by_id.get(responder.responder_id) or by_user.get(responder.datadog_user_id or "")
        if old is not None:
            responder = responder.model_copy(
                update={
                    "slack_user_id": responder.slack_user_id or old.slack_user_id,
                    "role_name": responder.role_name
                    or (old.role_name if old.role_id == responder.role_id else None),
                }
            )
        out.append(responder)
    return tuple(out)


def changed(
    before: tuple[Responder, ...], after: tuple[Responder, ...]
) -> tuple[tuple[Responder, ...], tuple[Responder, ...]]:
    """(added, removed) between two lists of one incident's responders, by responder id."""
    old = {r.responder_id for r in before}
    new = {r.responder_id for r in after}
    return (
        tuple(r for r in after if r.responder_id not in old),
        tuple(r for r in before if r.responder_id not in new),
    )


def describe(responder: Responder) -> str:
    """Plain words for a responder in a note: `Bob Builder (Scribe)`."""
    role = f" ({responder.role_name})" if responder.role_name else ""
    return f"{responder.label}{role}"
