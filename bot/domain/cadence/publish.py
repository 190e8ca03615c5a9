"""Publishing a public notice on the status page, exactly once per submission.

A publish is a chore of kind `degradation` (bot/domain/lifecycle/chores.py), stored before
the ack. Its work (`PublishNotice`) creates the incident's degradation the first time and
changes it afterwards (the id is kept on the card, `IncidentCard.status_notice`); which of
the two is decided when it is sent, under the card's lease, so two publishes in a row make
one notice. A publish whose answer was lost is looked for on the page before it is sent
again (`find`: the degradation this create made, or the kept one already saying it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from bot.domain.cadence.status_page import (
    AffectedComponent,
    ComponentStatus,
    Degradation,
    Notice,
    NoticeStatus,
    StatusPage,
    StatusPageGateway,
)
from bot.domain.incident.journal import EntryKind, Journal, JournalEntry
from bot.domain.lifecycle.card import followed_card, publish_card
from bot.domain.lifecycle.chores import Chore, chore_key
from bot.domain.lifecycle.journaling import keep
from bot.domain.lifecycle.ports import CardPublisher, IncidentStore
from bot.domain.lifecycle.record import IncidentCard, StatusNoticeRef
from bot.domain.reliability.outcomes import StepFailed

log = logging.getLogger(__name__)

PUBLISH_KIND = "degradation"
CARD_SAVES = 5
PAGE_TTL = 60.0
"""Seconds a read status page (its components and their statuses) is shown without reading
it again: a modal opens with it at once."""
BUSY_CARD = "The card kept changing while the notice was being kept on it. Press Retry."
RESOLVED_MESSAGE = "This incident has been resolved."


class PublishParams(BaseModel):
    """What a publish chore sends (`Chore.params`)."""

    model_config = ConfigDict(frozen=True)

    notice: Notice
    page_url: str | None = None


def publish_chore(
    card: IncidentCard,
    actor_id: str,
    notice: Notice,
    *key_parts: str,
    page_url: str | None = None,
) -> Chore:
    """The chore of one publish; `key_parts` name the submission (team, view id, hash)."""
    return Chore(
        key=chore_key(PUBLISH_KIND, *key_parts),
        kind=PUBLISH_KIND,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=actor_id,
        params=PublishParams(notice=notice, page_url=page_url).model_dump(mode="json"),
    )


def resolving_notice(card: IncidentCard, message: str = "") -> Notice | None:
    """The card's notice resolved, every component it named operational; None without one
    (or when it is resolved already)."""
    ref = card.status_notice
    if ref is None or ref.resolved:
        return None
    return Notice(
        incident_id=card.incident_id,
        title=ref.title,
        message=message.strip() or RESOLVED_MESSAGE,
        status=NoticeStatus.RESOLVED,
        components=tuple(
            AffectedComponent(
                id=cid, status=ComponentStatus.OPERATIONAL, name=ref.names.get(cid, "")
            )
            for cid in ref.components
        ),
    )


def _result(found: Degradation, *, created: bool) -> dict[str, Any]:
    return {"degradation_id": found.id, "created": created, "status": found.status.value}


class NoticeTeller(Protocol):
    """The Slack side of a publish (bot/slack/cadence/notice_notes.py)."""

    def published(
        self, chore: Chore, card: IncidentCard, ref: StatusNoticeRef, notice: Notice, *, first: bool
    ) -> dict[str, Any]:
        """The note in the card's thread; what to keep (its ts)."""
        ...

    def failed(self, chore: Chore, card: IncidentCard | None) -> None:
        """Datadog's reason to the person who published, with Retry."""
        ...


class PublishNotice:
    """The `ChoreWork` of a publish: one degradation per incident, created then changed."""

    kind = PUBLISH_KIND

    def __init__(
        self,
        pages: StatusPageGateway,
        page_id: str,
        store: IncidentStore,
        publisher: CardPublisher,
        teller: NoticeTeller,
        *,
        journal: Journal | None = None,
    ) -> None:
        self.pages = pages
        self.page_id = page_id
        self.store = store
        self.publisher = publisher
        self.teller = teller
        self.journal = journal

    def _kept(self, card: IncidentCard) -> StatusNoticeRef | None:
        ref = card.status_notice
        return ref if ref is not None and ref.page_id == self.page_id else None

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        notice = PublishParams.model_validate(chore.params).notice
        kept = self._kept(card)
        for found in self.pages.degradations(self.page_id):
            if kept is not None:
                if found.id == kept.degradation_id:
                    return _result(found, created=False) if found.says(notice) else None
            elif found.made_by(notice, accepted_at=chore.created_at):
                return _result(found, created=True)
        return None

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        notice = PublishParams.model_validate(chore.params).notice
        kept = self._kept(card)
        if kept is None:
            return _result(self.pages.create(self.page_id, notice), created=True)
        return _result(self.pages.update(self.page_id, kept.degradation_id, notice), created=False)

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        params = PublishParams.model_validate(chore.params)
        notice = params.notice
        kept = self._kept(card)
        ref = StatusNoticeRef(
            page_id=self.page_id,
            degradation_id=str(chore.result["degradation_id"]),
            title=notice.title,
            status=notice.status.value,
            url=params.page_url or (kept.url if kept else None),
            components={c.id: c.status.value for c in notice.components},
            names={c.id: c.name for c in notice.components if c.name},
        )
        keep(  # first: the journal holds the fact whatever the Slack side does next
            self.journal,
            JournalEntry(
                key=f"notice:{chore.key}",
                incident_id=chore.incident_id,
                at=chore.created_at,
                kind=EntryKind.NOTICE_PUBLISHED,
                actor_id=chore.actor_id,
                text=notice.message,
                data={"status": notice.status.value, "degradation_id": ref.degradation_id},
            ),
        )
        saved = self._keep(card, ref)
        card = publish_card(self.store, self.publisher, saved)
        if card.key != saved.key and not self.store.save_card(card):  # moved: ours to save
            log.info("the moved card of %s changed meanwhile", card.shown.label)
        return self.teller.published(
            chore, card, ref, notice, first=bool(chore.result.get("created"))
        )

    def _keep(self, card: IncidentCard, ref: StatusNoticeRef) -> IncidentCard:
        """The card with `ref` saved on it (compare-and-set: re-read on a conflict)."""
        for _ in range(CARD_SAVES):
            current = followed_card(self.store, card.key) or card
            if current.status_notice == ref:
                return current
            updated = current.model_copy(update={"status_notice": ref})
            if self.store.save_card(updated):
                return updated.model_copy(update={"version": updated.version + 1})
        raise StepFailed(BUSY_CARD, retryable=True)

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        self.teller.failed(chore, card)


class PageCache:
    """The status page as last read, for `PAGE_TTL` seconds: modals open with it at once."""

    def __init__(
        self,
        pages: StatusPageGateway,
        page_id: str,
        *,
        ttl: float = PAGE_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pages = pages
        self.page_id = page_id
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._page: tuple[float, StatusPage] | None = None
        self.problem: str | None = None
        """Why the last read failed (Datadog's reason), until a read succeeds."""

    def peek(self) -> StatusPage | None:
        """The page if read within the TTL, else None (no request)."""
        with self._lock:
            if self._page is None or self.clock() - self._page[0] > self.ttl:
                return None
            return self._page[1]

    def last(self) -> StatusPage | None:
        """The page as last read, however long ago (None: never read); `peek` for fresh."""
        with self._lock:
            return self._page[1] if self._page else None

    def read(self) -> StatusPage:
        """Read it now (StepFailed with Datadog's reason, kept as `problem`)."""
        try:
            page = self.pages.status_page(self.page_id)
        except StepFailed as exc:
            self.problem = exc.reason
            raise
        with self._lock:
            self._page = (self.clock(), page)
            self.problem = None
        return page
