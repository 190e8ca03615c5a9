"""The status page's parts on their own: the section's blocks and reader, the modals' and
the card's blocks (Slack's models round-trip them), how the bot knows its own notice, the
notice kept on the card by both stores, and a publish resumed after a crash mid-send."""

from __future__ import annotations

import json
import time
from typing import Any, cast

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.status_page_gateway import DatadogStatusPages
from bot.domain.cadence.publish import PageCache, PublishNotice, publish_chore, resolving_notice
from bot.domain.cadence.status_page import (
    CLOCK_SKEW,
    AffectedComponent,
    ComponentStatus,
    Degradation,
    Notice,
    NoticeStatus,
    PageComponent,
    StatusPage,
)
from bot.domain.cadence.update import StatusUpdate
from bot.domain.incident.state import IncidentView
from bot.domain.lifecycle.chores import ChoreRunner, ChoreStep
from bot.domain.lifecycle.ports import IncidentStore
from bot.domain.lifecycle.record import IncidentCard, StatusNoticeRef, card_key
from bot.domain.reliability.policy import RunnerPolicy
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.slack.inbound import option_value, options_value, text_value
from bot.slack.cadence.resolve_notice import RESOLVE_NOTICE, ResolveNotice
from bot.slack.cadence.status_page_section import (
    COMPONENTS,
    IMPACT,
    MESSAGE,
    NO_COMPONENTS,
    NO_MESSAGE,
    PUBLISH,
    STATUS,
    TITLE,
    UNKNOWN_COMPONENT,
    StatusPageSection,
    read_section,
    section_blocks,
)
from bot.slack.incident.card import card as card_blocks
from tests.oracles import assert_blocks_round_trip
from tests.store.test_contract import Opener
from tests.store.test_contract import opener as opener  # the both-stores fixture

VIEW = IncidentView(
    incident_id="inc-1", public_id=7, title="Login <!channel> failing", severity="SEV-2"
)
PAGE = StatusPage(
    id="page-1",
    name="Acme status",
    url="https://acme.example/status",
    components=(
        PageComponent(id="c-login", name="Login", group="Application"),
        PageComponent(id="c-search", name="Search", status=ComponentStatus.DEGRADED),
    ),
)
REF = StatusNoticeRef(
    page_id="page-1",
    degradation_id="d-1",
    title="Login is failing",
    status="identified",
    url="https://acme.example/status",
    components={"c-login": "major_outage"},
)


def a_card(notice: StatusNoticeRef | None = None) -> IncidentCard:
    return IncidentCard(
        key=card_key("C1", "1.000100"),
        incident_id="inc-1",
        channel="C1",
        ts="1.000100",
        thread_ts="1.000100",
        shown=VIEW,
        status_notice=notice,
    )


def values(**answers: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block, value in answers.items():
        out[block] = {block: value}
    return out


def test_the_section_and_the_modals_round_trip_and_prefill_from_the_kept_notice() -> None:
    fresh = section_blocks(PAGE, a_card())
    assert_blocks_round_trip(fresh)
    shown = json.dumps(fresh, ensure_ascii=False)
    assert "Application / Login · Operational" in shown and "Search · Degraded" in shown
    assert "Publishes a new public notice" in shown and PUBLISH in shown
    assert "&lt;!channel&gt;" not in shown  # the title prefill is plain text, as typed
    kept = section_blocks(PAGE, a_card(REF))
    assert_blocks_round_trip(kept)
    by_id = {b.get("block_id"): b for b in kept}
    assert "Update the public notice" in json.dumps(by_id[PUBLISH])
    assert [o["value"] for o in by_id[COMPONENTS]["element"]["initial_options"]] == ["c-login"]
    assert by_id[IMPACT]["element"]["initial_option"]["value"] == "major_outage"
    assert by_id[STATUS]["element"]["initial_option"]["value"] == "identified"
    assert by_id[TITLE]["element"]["initial_value"] == "Login is failing"


def test_the_reader_asks_for_what_is_missing_and_resolves_components() -> None:
    card = a_card()
    assert read_section({}, PAGE, card) == (None, {})  # not ticked: nothing to publish
    ticked = values(**{PUBLISH: options_value(["yes"], "checkboxes")})
    notice, errors = read_section(ticked, PAGE, card)
    assert notice is None and errors[COMPONENTS] == NO_COMPONENTS and errors[MESSAGE] == NO_MESSAGE
    gone = values(**{COMPONENTS: options_value(["c-gone"]), TITLE: text_value("T")})
    assert read_section(gone | ticked, PAGE, card)[1][COMPONENTS] == UNKNOWN_COMPONENT
    answers = ticked | values(
        **{
            COMPONENTS: options_value(["c-login", "c-search"]),
            IMPACT: option_value("partial_outage"),
            STATUS: option_value("monitoring"),
            TITLE: text_value("  Login is failing "),
            MESSAGE: text_value("A fix is out."),
        }
    )
    notice, errors = read_section(answers, PAGE, card)
    assert errors == {} and notice is not None
    assert notice.title == "Login is failing" and notice.status is NoticeStatus.MONITORING
    assert [(c.id, c.status) for c in notice.components] == [
        ("c-login", ComponentStatus.PARTIAL_OUTAGE),
        ("c-search", ComponentStatus.PARTIAL_OUTAGE),
    ]
    answers[STATUS] = {STATUS: option_value("resolved")}
    notice, _ = read_section(answers, PAGE, card)
    assert notice is not None
    assert {c.status for c in notice.components} == {ComponentStatus.OPERATIONAL}


def test_the_resolve_modal_offers_the_notice_only_while_it_is_open() -> None:
    offer = ResolveNotice()
    nothing: Any = None  # the offer reads only the card
    assert offer.blocks(nothing, a_card()) == []
    assert offer.blocks(nothing, a_card(REF.model_copy(update={"status": "resolved"}))) == []
    blocks = offer.blocks(nothing, a_card(REF))
    assert_blocks_round_trip(blocks)
    assert blocks[0]["block_id"] == RESOLVE_NOTICE and blocks[0]["element"]["initial_options"]
    resolving = resolving_notice(a_card(REF))
    assert resolving is not None and resolving.status is NoticeStatus.RESOLVED
    assert resolving.components == (
        AffectedComponent(id="c-login", status=ComponentStatus.OPERATIONAL),
    )


def test_the_card_links_the_notice() -> None:
    text, blocks = card_blocks(VIEW, notice=REF)
    assert_blocks_round_trip(blocks)
    shown = json.dumps(blocks)
    assert "<https://acme.example/status|Login is failing> (Identified)" in shown
    assert text


def test_the_bot_knows_its_own_notice_by_what_it_sent_after_it_was_accepted() -> None:
    notice = Notice(incident_id="inc-1", title="Login is failing", message="On it.")
    made = Degradation(
        id="d", page_id="p", title="Login is failing", message="On it.", created_at=1000.0
    )
    assert made.made_by(notice, accepted_at=1000.0 + CLOCK_SKEW - 1)
    assert not made.made_by(notice, accepted_at=1000.0 + CLOCK_SKEW + 1), "an older one"
    assert not made.made_by(notice.model_copy(update={"message": "Other"}), accepted_at=1000.0)
    sourced = Degradation(id="d", page_id="p", title="Other", source_incident_id="inc-1")
    assert sourced.made_by(notice, accepted_at=1000.0)
    assert not made.says(notice.model_copy(update={"status": NoticeStatus.RESOLVED}))


def test_both_stores_keep_the_notice_on_the_card(opener: Opener) -> None:
    store = cast(IncidentStore, opener())
    assert store.add_card(a_card())
    assert store.save_card(a_card().model_copy(update={"status_notice": REF}))
    kept = cast(IncidentStore, opener()).get_card(a_card().key)
    assert kept is not None and kept.status_notice == REF and not kept.status_notice.resolved


class QuietTeller:
    def __init__(self) -> None:
        self.told: list[bool] = []

    def published(
        self, chore: Any, card: Any, ref: Any, notice: Any, *, first: bool
    ) -> dict[str, Any]:
        self.told.append(first)
        return {"note_ts": "1.1"}

    def failed(self, chore: Any, card: Any) -> None:
        raise AssertionError(chore.error)


class SilentCards:
    def update_card(self, card: IncidentCard) -> None:
        return None

    def post_card(self, card: IncidentCard, channel: str, thread_ts: str | None, why: str) -> str:
        raise AssertionError("the card never moves here")


def test_a_publish_resumed_after_a_crash_mid_send_finds_its_notice(opener: Opener) -> None:
    """Killed after the POST landed, before `sent` was saved: the resume looks on the page
    (over real HTTP) and keeps what it finds; one degradation, the card keeps its id."""
    store: Any = opener()
    store.add_card(a_card())
    with DatadogEmulator() as emu:
        page_id = emu.add_status_page()
        client = DatadogClient(
            emu.api_key, emu.app_key, base_url=emu.url, retry=RetryPolicy(sleep=lambda _: None)
        )
        pages = DatadogStatusPages(client)
        teller = QuietTeller()
        work = PublishNotice(pages, page_id, store, cast(Any, SilentCards()), teller)
        policy = RunnerPolicy(
            create_attempts=2, backoff=0.0, max_backoff=0.0, settle=0.0, lease_ttl=3.0
        )
        runner = ChoreRunner(store, [work], policy=policy, sleep=lambda _s: None)
        login = emu.component_id(page_id, "Login")
        notice = Notice(
            incident_id="inc-1",
            title="Login is failing",
            message="On it.",
            components=(AffectedComponent(id=login, status=ComponentStatus.MAJOR_OUTAGE),),
        )
        chore = publish_chore(a_card(), "U1", notice, "T1", "V1", "h1")
        chore = chore.model_copy(
            update={"step": ChoreStep.SENDING, "attempts": 1, "created_at": time.time()}
        )
        store.add_chore(chore)
        landed = pages.create(page_id, notice)  # the write the crash interrupted
        assert runner.resume_pending() == [chore.key]
        done = store.get_chore(chore.key)
        assert done.step is ChoreStep.DONE and done.result["degradation_id"] == landed.id
        assert len(emu.page_degradations(page_id)) == 1 and teller.told == [True]
        kept = store.get_card(a_card().key).status_notice
        assert kept.degradation_id == landed.id and kept.components == {login: "major_outage"}
        client.close()


def test_the_post_update_section_reads_in_the_background_checks_and_publishes(
    opener: Opener,
) -> None:
    """The `ModalSection` the Post update modal takes: blocks from the page as last read (a
    read started off the trigger's clock), errors under its fields, and, once the status
    update is stored, one publish keyed by that submission (a redelivery adds nothing)."""
    store: Any = opener()
    store.add_card(a_card())
    with DatadogEmulator() as emu:
        page_id = emu.add_status_page("Acme status")
        client = DatadogClient(
            emu.api_key, emu.app_key, base_url=emu.url, retry=RetryPolicy(sleep=lambda _: None)
        )
        pages = DatadogStatusPages(client)
        work = PublishNotice(pages, page_id, store, cast(Any, SilentCards()), QuietTeller())
        runner = ChoreRunner(store, [work], sleep=lambda _s: None)
        started: list[Any] = []
        section = StatusPageSection(PageCache(pages, page_id), runner, started.append)
        first = section.blocks(a_card())
        assert "reading the page" in json.dumps(first) and len(started) == 1
        assert emu.calls(f"/api/v2/statuspages/{page_id}") == [], "nothing read on the trigger"
        ticked = values(**{PUBLISH: options_value(["yes"], "checkboxes")})
        assert section.errors(a_card(), ticked) == {}, "no checkbox was shown"
        started[0]()  # the pool runs the read
        blocks = section.blocks(a_card())
        assert_blocks_round_trip(blocks)
        assert "Application / Login" in json.dumps(blocks) and len(started) == 1
        assert section.errors(a_card(), {}) == {}, "not ticked: nothing asked"
        assert section.errors(a_card(), ticked)[MESSAGE] == NO_MESSAGE
        login = emu.component_id(page_id, "Login")
        answers = ticked | values(
            **{
                COMPONENTS: options_value([login]),
                TITLE: text_value("Login is failing"),
                MESSAGE: text_value("On it."),
            }
        )
        update = StatusUpdate(
            key="up-1",
            card_key=a_card().key,
            incident_id="inc-1",
            text="Rolled back.",
            state="active",
            actor_id="U1",
            at=time.time(),
        )
        section.accepted(a_card(), update, answers, "up-1")
        section.accepted(a_card(), update, answers, "up-1")  # a redelivery
        (made,) = emu.page_degradations(page_id)
        assert made["attributes"]["components_affected"][0]["id"] == login
        kept = store.get_card(a_card().key).status_notice
        assert kept is not None and kept.degradation_id == made["id"]
        client.close()
