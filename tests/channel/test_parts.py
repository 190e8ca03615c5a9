"""The incident channel's parts: names, the template check, the emulator's channel methods
as Slack answers them, and `declare-bot check` asking for the scopes only when needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.channel.plan import NAME_MAX, ChannelPlan, channel_name, template_problem
from bot.domain.declare._progress import keep_facts
from bot.emulators.personas import ALICE, BOB, CAROL
from bot.emulators.slack import SlackEmulator
from bot.emulators.stack import LocalStack
from bot.slack.common.scopes import REQUIRED_SCOPES
from tests.app.test_check import check, line
from tests.store.test_contract import Opener, record
from tests.store.test_contract import opener as opener  # the sqlite and redis stores

TEMPLATE = "inc-{public_id}-{title}"


def test_names_follow_slacks_rules() -> None:
    assert channel_name(TEMPLATE, public_id=12, title="Checkout 5xx: EU & US!") == (
        "inc-12-checkout-5xx-eu-us"
    )
    assert channel_name(TEMPLATE, public_id=3, title="Ünïcödé — ÇA") == "inc-3-unicode-ca"
    long = channel_name(TEMPLATE, public_id=12345, title="word " * 40, is_test=True)
    assert len(long) <= NAME_MAX and long.endswith("-test") and "--" not in long
    again = channel_name(TEMPLATE, public_id=12345, title="word " * 40, is_test=True, attempt=1)
    assert len(again) <= NAME_MAX and again.endswith("-2-test")
    assert channel_name(TEMPLATE, public_id=7, title="!!!") == "inc-7"
    assert channel_name("ir_{public_id}_{severity}", public_id=7, title="x", severity="SEV-1") == (
        "ir_7_sev-1"
    )


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("inc-{title}", "{public_id}"),
        ("Inc-{public_id}", "lowercase"),
        ("inc {public_id}", "lowercase"),
        ("inc-{public_id}-{team}", "unknown placeholder {team}"),
        ("inc-{public_id", "not a valid template"),
    ],
)
def test_bad_templates_are_refused_at_startup(template: str, problem: str) -> None:
    found = template_problem(template)
    assert found is not None and problem in found


@pytest.fixture
def slack() -> Iterator[tuple[SlackEmulator, WebClient]]:
    with SlackEmulator() as emulator:
        for user, name in ((ALICE, "alice"), (BOB, "bob"), (CAROL, "carol")):
            emulator.add_user(user, name)
        yield emulator, WebClient(token=emulator.bot_token, base_url=emulator.url + "/api/")


def error_of(call: object) -> SlackApiError:
    assert isinstance(call, SlackApiError)
    return call


def test_emulator_create_rules(slack: tuple[SlackEmulator, WebClient]) -> None:
    emulator, client = slack
    made = client.conversations_create(name="inc-1-ok")["channel"]
    assert made["creator"] == emulator.BOT_USER_ID and made["is_member"] is True
    for name, error in (
        ("inc-1-ok", "name_taken"),
        ("Inc-2", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
        ("---", "invalid_name_punctuation"),
    ):
        with pytest.raises(SlackApiError) as refused:
            client.conversations_create(name=name)
        assert refused.value.response["error"] == error, name
    emulator.set_scopes(emulator.bot_token, ["channels:manage", "groups:read"])
    with pytest.raises(SlackApiError) as refused:
        client.conversations_create(name="inc-3-private", is_private=True)
    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "groups:write"


def test_emulator_invite_is_whole_unless_forced(slack: tuple[SlackEmulator, WebClient]) -> None:
    emulator, client = slack
    channel = client.conversations_create(name="inc-4")["channel"]["id"]
    emulator.channels.restrict(CAROL)
    with pytest.raises(SlackApiError) as refused:
        client.conversations_invite(channel=channel, users=[ALICE, CAROL])
    assert refused.value.response["errors"] == [
        {"user": CAROL, "ok": False, "error": "user_is_restricted"}
    ]
    assert emulator.channels.named("inc-4")[0]["members"] == []  # nobody, without force
    with pytest.raises(SlackApiError):
        client.conversations_invite(channel=channel, users=[ALICE, CAROL], force=True)
    assert emulator.channels.named("inc-4")[0]["members"] == [ALICE]  # the valid ones
    with pytest.raises(SlackApiError) as again:
        client.conversations_invite(channel=channel, users=[ALICE])
    assert again.value.response["error"] == "already_in_channel"


def test_emulator_topic_bookmark_archive_list(slack: tuple[SlackEmulator, WebClient]) -> None:
    emulator, client = slack
    channel = client.conversations_create(name="inc-5", is_private=True)["channel"]["id"]
    client.conversations_setTopic(channel=channel, topic="SEV-1 · active")
    client.bookmarks_add(channel_id=channel, title="IR-5", type="link", link="https://x.test/5")
    listed = client.conversations_list(types="private_channel")["channels"]
    assert [c["name"] for c in listed] == ["inc-5"] and listed[0]["topic"]["value"]
    client.conversations_archive(channel=channel)
    [shown] = emulator.channels.named("inc-5")
    assert shown["is_archived"] and shown["bookmarks"][0]["link"] == "https://x.test/5"
    with pytest.raises(SlackApiError) as refused:
        client.conversations_setTopic(channel=channel, topic="late")
    assert refused.value.response["error"] == "is_archived"


CHANNEL_SCOPES = ("bookmarks:write", "channels:manage", "groups:write")


def test_check_asks_for_channel_scopes_only_when_the_option_is_on(stack: LocalStack) -> None:
    granted = [s for s in REQUIRED_SCOPES if s not in CHANNEL_SCOPES]
    stack.slack.set_scopes(stack.slack.bot_token, granted)
    code, output = check(stack)
    assert code == 0
    warning = line(output, "⚠ Slack bot token lacks")
    assert "needed only when DECLARE_INCIDENT_CHANNEL is ask or always" in warning
    assert "it is never now" in warning
    code, output = check(stack, DECLARE_INCIDENT_CHANNEL="ask")
    assert code == 1
    failure = line(output, "✗ Slack bot token lacks scopes")
    assert "missing channels:manage: needed to create" in failure
    assert "(DECLARE_INCIDENT_CHANNEL is ask or always)" in failure


def test_the_channel_plan_survives_both_stores(opener: Opener) -> None:
    first = record()
    writer = opener()
    writer.add(first)
    plan = ChannelPlan(name="inc-9-x", private=True, create_sent=True, attempt=1)
    writer.save(first.advance(channel=plan))
    reopened = opener().get(first.key)
    assert reopened is not None and reopened.channel == plan


def test_a_known_channel_is_never_forgotten() -> None:
    known = record().advance(channel=ChannelPlan(name="inc-1", create_sent=True, id="C1"))
    stale = known.advance(channel=ChannelPlan(name="inc-1", create_sent=True))
    assert keep_facts(known, stale).channel == known.channel
    assert keep_facts(known, known.advance(channel=None)).channel == known.channel
