"""Both stores (SQLite and a real Redis) keep what paging saves: a declaration's page and
its outcome, and a page chore's request and answer, read back by another connection."""

from __future__ import annotations

from typing import Any

from bot.domain.lifecycle.chores import Chore, ChoreStep, chore_key
from bot.domain.responders.paging import PageRequest, PageSent, PageTarget
from tests.store.test_cards import stored
from tests.store.test_contract import Opener, record
from tests.store.test_contract import opener as opener  # the both-stores fixture


def test_a_declarations_page_and_its_outcome_are_kept(opener: Opener) -> None:
    store = opener()
    page = PageRequest(target=PageTarget.slack_person("U2"), message="db <!here> “quoted”")
    first = record().advance(page=page)
    assert store.add(first)
    sent = first.advance(page_started_at=12.5, page_sent=PageSent(page_id="p-1"))
    store.save(sent)
    again = opener().get(first.key)
    assert again is not None and again.page == page and again.page_sent == PageSent(page_id="p-1")
    assert again.page_started_at == 12.5 and again.page.target.unresolved


def test_a_page_chore_is_kept_and_read_back(opener: Opener) -> None:
    store: Any = opener()
    card = stored(store, "inc-1", "1.000100")
    request = PageRequest(target=PageTarget.team("db", "Databases"), message="look")
    chore = Chore(
        key=chore_key("page", "T1", "V1", "h1"),
        kind="page",
        card_key=card.key,
        incident_id="inc-1",
        actor_id="U1",
        params=request.params(),
    )
    assert store.add_chore(chore)
    done = chore.advance(step=ChoreStep.DONE, result=PageSent(page_id="p-2").model_dump())
    store.save_chore(done)
    kept = opener().get_chore(chore.key)
    assert PageRequest.model_validate(kept.params) == request
    assert PageSent.model_validate(kept.result).page_id == "p-2"
