"""The announcement posted at once, beside the create, and the thread reply beside its edit.

The channel sees the declaration one round trip after the submit, not two: a placeholder
("creating in Datadog…") goes out while Datadog creates; when the incident exists the
announce step edits it in place into the card while the thread reply is posted under it.

Both run on a thread of their own and save what they posted through `Progress.update` as
soon as Slack answers (before the create result is used), so a resume or a Retry edits the
placeholder rather than posting another, and never replies twice. Neither can fail the
declaration: a placeholder Slack won't take is left to the announce step, which posts the
card as it did before; a reply that failed is posted again by the reply step.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable

from bot.domain.declare._progress import Progress
from bot.domain.declare.ports import Announcer, Delivery
from bot.domain.declare.record import DeclarationRecord, Step
from bot.domain.reliability.outcomes import StepFailed
from bot.domain.reliability.policy import RunnerPolicy
from bot.domain.reliability.retry import retrying

log = logging.getLogger(__name__)

BEFORE_THE_INCIDENT = (Step.ACCEPTED, Step.COMMANDER_RESOLVED)


class Beside:
    """A call run on its own thread; `join` waits for it (errors are logged, not raised)."""

    def __init__(self, name: str, work: Callable[[], None]) -> None:
        self._work = work
        context = contextvars.copy_context()  # the log lines keep the declaration's id
        self._thread = threading.Thread(
            target=context.run, args=(self._run,), name=name, daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            self._work()
        except Exception:  # the main steps carry on, and redo what's missing
            log.warning("%s failed", self._thread.name, exc_info=True)

    def join(self) -> None:
        self._thread.join()


def wants_placeholder(record: DeclarationRecord, policy: RunnerPolicy) -> bool:
    """Only before the incident exists, and only once (a saved placeholder is edited).

    Not when an incident channel is asked for: the card goes there, and the origin gets
    the pointer (channel_steps.py), which needs the channel the create names.
    """
    return (
        policy.placeholder
        and not record.declaration.incident_channel
        and record.step in BEFORE_THE_INCIDENT
        and record.placeholder_ts is None
        and record.incident_id is None
    )


def start_placeholder(
    progress: Progress,
    announcer: Announcer,
    policy: RunnerPolicy,
    sleep: Callable[[float], None],
) -> Beside | None:
    """Post the placeholder beside the resolve and the create; None when not wanted."""
    if not wants_placeholder(progress.record, policy):
        return None

    def post() -> None:
        delivery = _post(progress, announcer, policy, sleep)
        if delivery is None or delivery.ts is None:
            return  # nothing to edit: the announce step posts the card as before
        progress.update(
            lambda record: record.advance(
                placeholder_channel=delivery.channel,
                placeholder_ts=delivery.ts,
                placeholder_how=delivery.how,
            )
        )
        log.info("declaration %s: placeholder posted (%s)", progress.record.key, delivery.how)

    return Beside("placeholder", post)


def _post(
    progress: Progress, announcer: Announcer, policy: RunnerPolicy, sleep: Callable[[float], None]
) -> Delivery | None:
    """Transient refusals are tried again like the announcement's; then given up."""
    try:
        return retrying(
            lambda: announcer.post_placeholder(progress.record),
            attempts=policy.announce_attempts,
            policy=policy,
            sleep=sleep,
        )
    except StepFailed as exc:
        log.warning("declaration %s: no placeholder (%s)", progress.record.key, exc)
        return None


def reply_beside(progress: Progress, announcer: Announcer, delivery: Delivery) -> Beside | None:
    """The thread reply under the placeholder, posted while it is edited into the card."""
    record = progress.record
    if record.thread_reply_ts is not None or delivery.ts is None:
        return None
    announced = record.advance(
        announce_channel=delivery.channel, announce_ts=delivery.ts, delivered=delivery.how
    )

    def reply() -> None:
        ts = announcer.reply_in_thread(announced)
        if ts is not None:
            progress.update(lambda current: current.advance(thread_reply_ts=ts))

    return Beside("thread reply", reply)


def placeholder_delivery(record: DeclarationRecord) -> Delivery | None:
    """Where the saved placeholder is, if there is one."""
    if record.placeholder_channel is None or record.placeholder_how is None:
        return None
    return Delivery(record.placeholder_channel, record.placeholder_ts, record.placeholder_how)
