"""The postmortem drafted from the journal (bot/domain/record/postmortem.py): pure functions.

Every captured message and status update is in the timeline, in time order, with who and
when; what people wrote is markdown for Datadog (not HTML-escaped) that mentions no one;
cells stay within the bot's bounds; an org's template is filled in.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.incident.journal import EntryKind, JournalEntry
from bot.domain.incident.state import IncidentUser, IncidentView
from bot.domain.record.postmortem import (
    CELL_MAX,
    CELLS_MAX,
    DraftResponder,
    DraftTodo,
    draft_postmortem,
    people_in,
    responders_from,
    slack_text,
    todos_from,
)

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC).timestamp()
NAMES = {"U1": "Ana Lima", "U2": "Bo Chen", "U3": "Cy Diaz"}
VIEW = IncidentView(
    incident_id="inc-1",
    public_id=12,
    title="Checkout errors",
    severity="SEV-2",
    state="resolved",
    commander=IncidentUser(datadog_id="d1", display="Ana Lima"),
    customer_impacted=True,
    customer_impact_scope="EU checkout & payments",
    customer_impact_start=datetime(2026, 12, 7, 0, 50, tzinfo=UTC),
    customer_impact_end=datetime(2026, 12, 7, 1, 35, tzinfo=UTC),
    url="https://app.datadoghq.com/incidents/12",
)


def entry(key: str, minutes: float, kind: EntryKind, **fields: object) -> JournalEntry:
    return JournalEntry.model_validate(
        {"key": key, "incident_id": "inc-1", "at": T0 + minutes * 60, "kind": kind, **fields}
    )


def life() -> list[JournalEntry]:
    """An incident's journal, written out of order (as stores may hand it over)."""
    return [
        entry("resolve", 60, EntryKind.RESOLVED, actor_id="U1", text="resolved"),
        entry("s2", 40, EntryKind.STATUS_UPDATE, actor_id="U1", text="Fix deployed; watching."),
        entry(
            "captured:C1:2",
            20,
            EntryKind.CAPTURED,
            actor_id="U2",
            text="Root cause: a bad config push <!channel> <@U3>",
            permalink="https://acme.slack.com/archives/C1/p2",
            data={"author_id": "U3"},
        ),
        entry("declared", 0, EntryKind.DECLARED, actor_id="U1", text="Checkout errors"),
        entry("s1", 10, EntryKind.STATUS_UPDATE, actor_id="U2", text="Investigating.\nA & B < C"),
        entry("c1", 5, EntryKind.CHANGED, actor_id="U2", text="severity: SEV-3 → SEV-2"),
        entry(
            "captured:C1:1",
            15,
            EntryKind.CAPTURED,
            actor_id="U1",
            text="Errors started at 00:50",
            permalink="https://acme.slack.com/archives/C1/p1",
            data={"author_id": "U1"},
        ),
    ]


def test_the_draft_has_every_section_and_the_timeline_in_time_order() -> None:
    draft = draft_postmortem(
        VIEW,
        life(),
        names=NAMES,
        todos=[DraftTodo(content="Guard config pushes", assignees=("bo@acme.com",))],
        responders=[DraftResponder(name="Bo Chen", roles=("Scribe",))],
    )
    assert draft.title == "Postmortem: IR-12 Checkout errors"
    text = "\n".join(draft.cells)
    headings = [c.splitlines()[0] for c in draft.cells]
    assert headings[1:] == [
        "## Summary",
        "## Impact",
        "## Timeline",
        "## Responders",
        "## To-dos",
        "## Lessons",
    ]
    said = [
        "Declared by Ana Lima",
        "Changed by Bo Chen: severity: SEV-3 → SEV-2",
        "Status update by Bo Chen",
        "Investigating.",
        "Message from Ana Lima",
        "Errors started at 00:50",
        "[Open in Slack](https://acme.slack.com/archives/C1/p1)",
        "Message from Cy Diaz (added by Bo Chen)",
        "Root cause: a bad config push",
        "[Open in Slack](https://acme.slack.com/archives/C1/p2)",
        "Status update by Ana Lima",
        "Fix deployed; watching.",
        "Resolved by Ana Lima",
    ]
    positions = [text.index(s) for s in said]
    assert positions == sorted(positions)
    assert "**2026-12-07 01:10 UTC** · Status update by Bo Chen" in text
    assert "Resolved by Ana Lima: resolved" not in text, "the bot's own verb, once"
    assert "- **Duration:** 1 h" in text and "- **Impact duration:** 45 min" in text
    assert "- **Declared:** 2026-12-07 01:00 UTC by Ana Lima" in text
    assert "- Ana Lima — Commander\n- Bo Chen — Scribe" in text
    assert "- [ ] Guard config pushes (bo@acme.com)" in text
    assert all(len(c) <= CELL_MAX for c in draft.cells)


def test_what_people_wrote_is_markdown_that_mentions_no_one() -> None:
    text = "\n".join(draft_postmortem(VIEW, life(), names=NAMES).cells)
    assert "<!channel>" not in text and "<@U3>" not in text
    assert "`@channel` `@Cy Diaz`" in text
    assert "> A & B < C" in text, "markdown for Datadog: not HTML-escaped"
    assert "&amp;" not in text and "&lt;" not in text
    assert "EU checkout & payments" in text


def test_slack_markup_becomes_inert_text() -> None:
    hostile = (
        "<!here> <!everyone> <!subteam^S1|@oncall> <@U9|eve> <#C1|general> "
        "<https://ok.example/x?a=1&amp;b=2|dash> <javascript:alert(1)|click> "
        "![pixel](https://evil.example/p.png) &lt;img src=x&gt; ping @ana.b and mail ana@acme.com"
    )
    shown = slack_text(hostile, {"U9": "Eve"})
    assert shown.startswith("`@here` `@everyone` `@oncall` `@Eve` `#general` ")
    assert "[dash](https://ok.example/x?a=1&b=2)" in shown
    assert " click " in shown and "javascript" not in shown, "its label, never the link"
    assert "!\\[pixel]" in shown and "\\<img" in shown
    assert "`@ana.b`" in shown and "ana@acme.com" in shown
    line = slack_text("*bold* [x](y) # not a heading\nsecond line", one_line=True)
    assert line == "\\*bold\\* \\[x\\]\\(y\\) \\# not a heading second line"


def test_only_https_permalinks_are_links() -> None:
    odd = entry(
        "captured:C1:9",
        1,
        EntryKind.CAPTURED,
        text="x",
        permalink="javascript:alert(1)",
        data={"author_id": "U1"},
    )
    text = "\n".join(draft_postmortem(VIEW, [odd], names=NAMES).cells)
    assert "javascript" not in text and "Open in Slack" not in text


def test_a_long_incident_stays_within_the_bounds() -> None:
    many = [
        entry(f"captured:C1:{n}", n, EntryKind.CAPTURED, text=f"message {n} " + "x" * 3000)
        for n in range(1000)
    ]
    draft = draft_postmortem(VIEW, many)
    assert len(draft.cells) <= CELLS_MAX
    assert all(len(c) <= CELL_MAX for c in draft.cells)
    assert draft.cells[3].startswith("## Timeline") and "message 0 " in draft.cells[3]
    assert draft.cells[4].startswith("## Timeline (continued)")
    text = "\n".join(draft.cells)
    assert "more, in the incident's Slack thread." in text
    assert draft.cells[-1].startswith("## Lessons"), "the sections after the timeline fit"
    short = [entry(f"c{n}", n, EntryKind.CHANGED, text=f"change {n}") for n in range(450)]
    assert "… and 50 more, in the incident's Slack thread." in "\n".join(
        draft_postmortem(VIEW, short).cells
    )


def test_an_orgs_template_is_filled_in() -> None:
    template = (
        "# {{incident}} review\n\nSee {{link}}. {{unknown}} stays.\n\n"
        "## What happened\n\n{{timeline}}\n\n## Follow-ups\n\n{{todos}}\n"
    )
    draft = draft_postmortem(VIEW, life(), names=NAMES, template=template)
    assert draft.cells[0] == (
        "# IR-12 review\n\nSee [IR-12](https://app.datadoghq.com/incidents/12). {{unknown}} stays."
    )
    assert draft.cells[1].startswith("## What happened\n\n**2026-12-07 01:00 UTC** · Declared")
    assert draft.cells[2] == "## Follow-ups\n\nNo to-dos were recorded."


def test_nothing_recorded_still_drafts() -> None:
    bare = VIEW.model_copy(update={"customer_impacted": False, "customer_impact_start": None})
    text = "\n".join(draft_postmortem(bare, []).cells)
    assert "Nothing was recorded in Slack." in text
    assert "No customer impact was recorded." in text
    assert "No to-dos were recorded." in text


def test_the_journal_tells_todos_responders_and_whose_names_to_read() -> None:
    entries = [
        entry(
            "t1",
            1,
            EntryKind.TODO_ADDED,
            actor_id="U1",
            text="Rotate keys",
            data={"todo_id": "td1", "assignees": "ana@acme.com,bo@acme.com", "due": "2026-12-09"},
        ),
        entry("t2", 2, EntryKind.TODO_ADDED, text="Write tests", data={"todo_id": "td2"}),
        entry(
            "t3", 3, EntryKind.TODO_DONE, actor_id="U2", text="Rotate keys", data={"todo_id": "td1"}
        ),
        entry("t4", 4, EntryKind.TODO_DONE, text="Write tests", data={"todo_id": "td2"}),
        entry("t5", 5, EntryKind.TODO_REOPENED, text="Write tests", data={"todo_id": "td2"}),
        entry(
            "r1",
            1,
            EntryKind.RESPONDER_ADDED,
            actor_id="U1",
            data={"user_id": "U2", "role": "Scribe"},
        ),
        entry("r2", 2, EntryKind.RESPONDER_ADDED, data={"user_id": "U3", "role": "Comms"}),
        entry("r3", 3, EntryKind.RESPONDER_REMOVED, data={"user_id": "U3"}),
        entry("r4", 4, EntryKind.RESPONDER_ADDED, data={"name": "Dee (Datadog)"}),
    ]
    assert todos_from(entries) == [
        DraftTodo(
            content="Rotate keys",
            assignees=("ana@acme.com", "bo@acme.com"),
            done=True,
            due="2026-12-09",
        ),
        DraftTodo(content="Write tests", done=False),
    ]
    assert responders_from(entries, NAMES) == [
        DraftResponder(name="Bo Chen", roles=("Scribe",)),
        DraftResponder(name="Dee (Datadog)"),
    ]
    assert people_in([*entries, *life()]) == {"U1", "U2", "U3"}


def test_datadogs_todos_and_the_cards_responders_become_the_drafts() -> None:
    from datetime import date

    from bot.domain.incident.responders import Responder
    from bot.domain.lifecycle.record import IncidentCard
    from bot.domain.record.postmortem_chore import draft_responders, draft_todos
    from bot.domain.record.todos import AnonymousAssignee, Todo

    todos = [
        Todo(
            id="t1",
            content="Rotate keys",
            assignees=("@ana@acme.com",),
            anonymous=(AnonymousAssignee(id="U9", name="Dee"),),
            due=date(2026, 12, 9),
            completed="2026-12-07T03:00:00+00:00",
        ),
        Todo(id="t2", content="Write tests"),
    ]
    assert draft_todos(todos) == [
        DraftTodo(
            content="Rotate keys", assignees=("@ana@acme.com", "Dee"), done=True, due="2026-12-09"
        ),
        DraftTodo(content="Write tests"),
    ]
    card = IncidentCard(
        key="C1:1",
        incident_id="inc-1",
        channel="C1",
        ts="1",
        thread_ts="1",
        shown=VIEW,
        responders=(
            Responder(responder_id="r1", name="Bo Chen", role_name="Scribe"),
            Responder(responder_id="r2", handle="cy@acme.com"),
        ),
    )
    assert draft_responders(card) == [
        DraftResponder(name="Bo Chen", roles=("Scribe",)),
        DraftResponder(name="cy@acme.com"),
    ]
