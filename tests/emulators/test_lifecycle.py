"""Emulators for running an incident from Slack: Datadog's PATCH/GET/search, Slack's edits.

Datadog: a PATCH merges (what is not sent stays), is checked with the official client's
IncidentUpdateRequest, moves `modified` and `last_modified_by`; every incident answer
deserializes with the official IncidentResponse. Slack: chat.update edits only the bot's
messages in place; views.update keeps what a person typed where the ids stay.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from datadog_api_client.v2.model.incident_response import IncidentResponse
from datadog_api_client.v2.model.incident_search_response import IncidentSearchResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulators.datadog import DatadogEmulator
from bot.emulators.datadog.state import DeclareError
from bot.emulators.datadog.validate import model_error
from bot.emulators.slack import SlackEmulator

INCIDENTS = "/api/v2/incidents"


@pytest.fixture
def emu() -> Iterator[DatadogEmulator]:
    with DatadogEmulator() as server:
        yield server


@pytest.fixture
def dd(emu: DatadogEmulator) -> Iterator[httpx.Client]:
    headers = {"DD-API-KEY": emu.api_key, "DD-APPLICATION-KEY": emu.app_key}
    with httpx.Client(base_url=emu.url, headers=headers, timeout=5.0) as client:
        yield client


def official(body: Any, model: type[Any] = IncidentResponse) -> Any:
    """The answer deserializes with the official client's model, nothing left unparsed."""
    error = model_error(body, model)
    assert error is None, error
    return body


def declare(dd: httpx.Client, title: str = "Checkout errors", **attributes: Any) -> str:
    attrs = {"title": title, "customer_impacted": False, **attributes}
    response = dd.post(INCIDENTS, json={"data": {"type": "incidents", "attributes": attrs}})
    assert response.status_code == 201, response.text
    return str(official(response.json())["data"]["id"])


def patch(dd: httpx.Client, iid: str, attributes: Any = None, **data: Any) -> httpx.Response:
    body: dict[str, Any] = {"type": "incidents", "id": iid, **data}
    if attributes is not None:
        body["attributes"] = attributes
    return dd.patch(f"{INCIDENTS}/{iid}", json={"data": body})


def get(dd: httpx.Client, iid: str) -> dict[str, Any]:
    response = dd.get(f"{INCIDENTS}/{iid}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = official(response.json())["data"]
    return data


def severity(value: str) -> dict[str, Any]:
    return {"fields": {"severity": {"type": "dropdown", "value": value}}}


def state(value: str) -> dict[str, Any]:
    return {"fields": {"state": {"type": "dropdown", "value": value}}}


# --- Datadog: PATCH merges ---------------------------------------------------------------


def test_patch_changes_only_what_is_sent(emu: DatadogEmulator, dd: httpx.Client) -> None:
    emu.add_field("teams_on_call", "textbox")
    iid = declare(dd, customer_impacted=True, customer_impact_scope="EU checkout")
    before = get(dd, iid)["attributes"]
    response = patch(dd, iid, severity("SEV-1"))
    assert response.status_code == 200, response.text
    after = official(response.json())["data"]["attributes"]
    assert (after["severity"], after["fields"]["severity"]["value"]) == ("SEV-1", "SEV-1")
    for unchanged in ("title", "customer_impacted", "customer_impact_scope", "state", "created"):
        assert after[unchanged] == before[unchanged], unchanged
    assert after["fields"]["state"] == before["fields"]["state"]
    patch(dd, iid, {"fields": {"teams_on_call": {"type": "textbox", "value": "db"}}})
    fields = get(dd, iid)["attributes"]["fields"]
    assert fields["severity"]["value"] == "SEV-1"  # merged per key
    assert fields["teams_on_call"] == {"type": "textbox", "value": "db"}
    assert [b["data"]["attributes"] for b in emu.updated_bodies(iid)] == [
        severity("SEV-1"),
        {"fields": {"teams_on_call": {"type": "textbox", "value": "db"}}},
    ]


def test_concurrent_changes_to_other_fields_both_survive(
    emu: DatadogEmulator, dd: httpx.Client
) -> None:
    iid = declare(dd)
    bob = emu.add_user("bob@example.com", "Bob")
    emu.edit_incident(iid, by=bob, attributes={"title": "Checkout down in EU"})
    threads = [
        threading.Thread(target=patch, args=(dd, iid, severity("SEV-2"))),
        threading.Thread(target=patch, args=(dd, iid, state("stable"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    attrs = get(dd, iid)["attributes"]
    assert (attrs["title"], attrs["severity"], attrs["state"]) == (
        "Checkout down in EU",
        "SEV-2",
        "stable",
    )


def test_modified_and_last_modified_by_move_on_every_change(
    emu: DatadogEmulator, dd: httpx.Client
) -> None:
    iid = declare(dd)
    created = get(dd, iid)
    bob = emu.add_user("bob@example.com", "Bob")
    emu.edit_incident(iid, by=bob, attributes=severity("SEV-3"))
    by_bob = get(dd, iid)
    assert by_bob["attributes"]["modified"] > created["attributes"]["modified"]
    assert by_bob["attributes"]["last_modified_by_uuid"] == bob
    assert by_bob["relationships"]["last_modified_by_user"]["data"]["id"] == bob
    assert emu.updated_bodies() == []  # UI edits are not API PATCHes
    with pytest.raises(DeclareError, match="customer_impacted"):
        emu.edit_incident(iid, by=bob, attributes={"customer_impacted": "yes"})
    with pytest.raises(DeclareError, match="SEV-9"):
        emu.edit_incident(iid, by=bob, attributes=severity("SEV-9"))
    assert get(dd, iid) == by_bob
    answer = official(patch(dd, iid, severity("SEV-3")).json())["data"]
    assert answer["attributes"]["modified"] > by_bob["attributes"]["modified"]
    assert answer["attributes"]["last_modified_by"]["data"]["id"] == emu.owner_id
    assert answer["attributes"]["last_modified_by_uuid"] == emu.owner_id
    assert answer["relationships"]["last_modified_by_user"]["data"]["id"] == emu.owner_id


def test_commander_resolve_reopen_and_customer_impact(
    emu: DatadogEmulator, dd: httpx.Client
) -> None:
    iid = declare(dd)
    jane = emu.add_user("jane@example.com", "Jane")
    commander = {"commander_user": {"data": {"type": "users", "id": jane}}}
    answer = official(patch(dd, iid, relationships=commander).json())["data"]
    assert answer["attributes"]["commander"]["data"]["id"] == jane
    assert answer["relationships"]["commander_user"] == {"data": None}  # as recorded
    assert get(dd, iid)["relationships"]["commander_user"]["data"]["id"] == jane
    assert patch(dd, iid, relationships={"commander_user": {"data": None}}).status_code == 200
    assert get(dd, iid)["relationships"]["commander_user"] == {"data": None}
    unknown = {"commander_user": {"data": {"type": "users", "id": "nobody"}}}
    assert patch(dd, iid, relationships=unknown).status_code == 404

    impact = {"customer_impacted": True, "customer_impact_scope": "Checkout in EU"}
    attrs = official(patch(dd, iid, impact).json())["data"]["attributes"]
    assert attrs["customer_impact_start"] and attrs["customer_impact_end"] is None
    end = {**state("resolved"), "customer_impact_end": "2099-01-01T00:00:00Z"}
    attrs = get(dd, iid)["attributes"] if patch(dd, iid, end).status_code == 200 else {}
    assert attrs["state"] == "resolved" and attrs["resolved"]
    assert attrs["customer_impact_end"] == "2099-01-01T00:00:00+00:00"
    assert attrs["customer_impact_duration"] > 0
    patch(dd, iid, state("active"))
    reopened = get(dd, iid)["attributes"]
    assert (reopened["state"], reopened["resolved"]) == ("active", None)


@pytest.mark.parametrize(
    ("attributes", "extra", "status", "message"),
    [
        ({"customer_impacted": "yes"}, {}, 400, "customer_impacted"),
        (severity("SEV-9"), {}, 400, "Invalid value 'SEV-9' for field 'severity'"),
        ({"fields": {"severity": {"type": "drop", "value": "SEV-1"}}}, {}, 400, "none of"),
        (state(""), {}, 400, "Field 'state' cannot be empty"),
        ({"title": "  "}, {}, 400, "title must not be empty"),
        ({"customer_impacted": True}, {}, 400, "customer_impact_scope is required"),
        ({"customer_impact_end": "soon"}, {}, 400, "customer_impact_end"),
        ({}, {"type": "incident"}, 400, "is not an allowed value"),
        ({}, {"id": "another"}, 400, "data.id does not match"),
    ],
)
def test_bad_patch_bodies_get_datadog_shaped_400s_and_change_nothing(
    emu: DatadogEmulator,
    dd: httpx.Client,
    attributes: dict[str, Any],
    extra: dict[str, Any],
    status: int,
    message: str,
) -> None:
    iid = declare(dd)
    before = get(dd, iid)
    body = {"type": "incidents", "id": iid, "attributes": attributes, **extra}
    response = dd.patch(f"{INCIDENTS}/{iid}", json={"data": body})
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert isinstance(errors, list) and len(errors) == 1 and message in errors[0]
    assert get(dd, iid) == before
    assert emu.updated_bodies() == []


def test_patch_permission_missing_incident_and_faults(
    emu: DatadogEmulator, dd: httpx.Client
) -> None:
    iid = declare(dd)
    assert patch(dd, "00000000-0000-0000-0000-000000000000", {}).status_code == 404
    emu.permissions.discard("incident_write")
    denied = patch(dd, iid, severity("SEV-1"))
    assert denied.status_code == 403 and denied.json()["errors"][0]["title"] == "Forbidden"
    emu.permissions.add("incident_write")
    emu.inject("PATCH /api/v2/incidents/{id}", status=503)
    assert patch(dd, iid, severity("SEV-1")).status_code == 503
    assert get(dd, iid)["attributes"]["severity"] == "UNKNOWN"
    emu.inject("PATCH /api/v2/incidents/{id}", lose_response=True)
    with pytest.raises(httpx.TransportError):
        patch(dd, iid, severity("SEV-1"))
    assert get(dd, iid)["attributes"]["severity"] == "SEV-1"  # handled, answer lost


def test_search_open_incidents_newest_first(emu: DatadogEmulator, dd: httpx.Client) -> None:
    first, second, third = (declare(dd, title) for title in ("one", "two", "three"))
    patch(dd, second, state("resolved"))
    emu.edit_incident(first, by=emu.owner_id, attributes=state("stable"))
    response = dd.get(f"{INCIDENTS}/search", params={"query": "state:(active OR stable)"})
    body = response.json()
    # `included` lists the incidents again, as recorded; the official model expects users
    # there, so it judges the rest of the answer, and each hit as an IncidentResponse.
    assert [i["id"] for i in body.pop("included")] == [third, first]
    official(body, IncidentSearchResponse)
    hits = [hit["data"] for hit in body["data"]["attributes"]["incidents"]]
    assert [h["id"] for h in hits] == [third, first]
    for hit in hits:
        official({"data": hit})
    assert body["data"]["attributes"]["total"] == 2


# --- Slack: chat.update and views.update -----------------------------------------------------


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as server:
        server.add_user("U1", "alice")
        server.add_channel("C1", "incidents")
        yield server


def slack_error(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return str(caught.value.response["error"])


def test_chat_update_edits_in_place_and_keeps_the_old_version(slack: SlackEmulator) -> None:
    web = WebClient(token=slack.bot_token, base_url=slack.url + "/api/", retry_handlers=[])
    posted = web.chat_postMessage(channel="C1", text="card v1")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*SEV-1*"}}]
    updated = web.chat_update(channel="C1", ts=posted["ts"], text="card v2", blocks=blocks)
    assert updated["ts"] == posted["ts"]
    [message] = slack.messages("C1")
    assert (message["ts"], message["text"], message["blocks"]) == (posted["ts"], "card v2", blocks)
    assert [old["text"] for old in slack.edits("C1", posted["ts"])] == ["card v1"]
    bad = [{"type": "no_such_block"}]
    assert slack_error(web.chat_update, channel="C1", ts=posted["ts"], text="x", blocks=bad) == (
        "invalid_blocks"
    )
    assert slack_error(web.chat_update, channel="C1", ts="1.000001", text="x") == (
        "message_not_found"
    )
    by_alice = slack.post_as_user("C1", "U1", "I wrote this")
    assert slack_error(web.chat_update, channel="C1", ts=by_alice, text="x") == (
        "cant_update_message"
    )
    slack.set_edit_window(0.0)
    assert slack_error(web.chat_update, channel="C1", ts=posted["ts"], text="v3") == (
        "edit_window_closed"
    )
    slack.set_edit_window(None)
    assert web.chat_update(channel="C1", ts=posted["ts"], text="v3")["ok"]
    assert len(slack.edits("C1", posted["ts"])) == 2


def test_views_update_keeps_typed_values_only_where_ids_stay(slack: SlackEmulator) -> None:
    web = WebClient(token=slack.bot_token, base_url=slack.url + "/api/", retry_handlers=[])

    def text_input(block_id: str, action_id: str) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block_id,
            "label": {"type": "plain_text", "text": block_id},
            "element": {"type": "plain_text_input", "action_id": action_id},
        }

    def modal(*blocks: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Update"},
            "blocks": blocks,
        }

    view = web.views_open(
        trigger_id=slack.issue_trigger(),
        view=modal(text_input("title", "value"), text_input("note", "value")),
    )["view"]
    typed = {"type": "plain_text_input", "value": "typed"}
    slack.type_into(view["id"], "title", "value", typed)
    slack.type_into(view["id"], "note", "value", typed)
    refreshed = web.views_update(
        view_id=view["id"], view=modal(text_input("title", "value"), text_input("note", "other"))
    )["view"]
    assert refreshed["state"] == {"values": {"title": {"value": typed}}}
