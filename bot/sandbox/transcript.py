"""The sandbox's narrator, and its first walk: one declaration from /declare.

It drives the stack (bot/emulators/stack.py) like Slack and a person would, and
walks one declaration through the real code paths: a signed /declare, the modal, the
submission, the incident, the announcement, the thread reply; then a second one from a
Datadog monitor alert (alert.py). It prints what crossed
each wire, the exact Datadog request bodies and the messages posted, then how to
connect a real workspace. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from bot.emulators.base import Request
    from bot.emulators.stack import LocalStack

TITLE = "Checkout API 5xx in eu-west-1"


class Transcript:
    """Drives the stack like Slack and a person would, and narrates what happens."""

    def __init__(self, stack: LocalStack, out: TextIO) -> None:
        self.stack = stack
        self.out = out
        self.mark = time.monotonic()
        self.names = {"UBOT": "declare-bot"}

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def block(self, lines: list[str], indent: str = "      │ ") -> None:
        for line in lines:
            self.say(indent + line)

    def declare(self) -> bool:
        """The first walk, a declaration from /declare; True when it reached the thread reply."""
        from bot.emulators.personas import ALICE, BOB

        self.names.update({ALICE: "alice", BOB: "bob"})
        stack = self.stack
        self.say("declare-bot sandbox: the real bot, over HTTP, against local emulators.\n")
        self.say(f"  Slack emulator    {stack.slack.url}/api/")
        self.say(f"  Datadog emulator  {stack.datadog.url}")
        self.say(f"  the bot           {stack.server.url}/slack/events (HTTP mode, signed)")
        self.say("  workspace         #incidents; @alice declares, @bob is on call\n")
        self.submit(self.slash())
        record = stack.services.store.all()[-1]
        self.say()
        if record.step.value != "done":
            self.say(f"✗ The declaration stopped at {record.failed_at}: {record.error}")
            return False
        self.say(
            f"✓ Declared IR-{record.public_id} ({record.incident_url}); announced in "
            f"{record.delivered}, thread reply posted. Declaration id: {record.key}"
        )
        return True

    def slash(self) -> dict[str, Any]:
        from bot.emulators.personas import ALICE, INCIDENTS, TEAM
        from bot.emulators.slack.inbound import slash_command_body

        stack = self.stack
        self.say(f"1. @alice types `/declare {TITLE}` in #incidents.")
        body = slash_command_body(
            text=TITLE,
            user_id=ALICE,
            user_name="alice",
            channel_id=INCIDENTS,
            channel_name="incidents",
            trigger_id=stack.slack.issue_trigger(),
            response_url=stack.slack.response_url(),
            team_id=TEAM,
        )
        started = time.monotonic()
        response = stack.caller.post(body)
        took = (time.monotonic() - started) * 1000
        headers = response.request.headers
        self.say("   Slack → bot  POST /slack/events (form body, signed like Slack signs it)")
        self.block(
            [
                f"X-Slack-Request-Timestamp: {headers['X-Slack-Request-Timestamp']}",
                f"X-Slack-Signature: {headers['X-Slack-Signature'][:19]}… "
                "(HMAC-SHA256 of v0:timestamp:body with the signing secret)",
                *(f"{k}={v}" for k, v in parse_qsl(body.decode()) if k != "token"),
            ]
        )
        self.say(f"   bot → Slack  HTTP {response.status_code} in {took:.0f} ms: the ack")
        view = stack.opened_view()
        stack.datadog.wait_for("/api/v2/users", timeout=5.0)  # the commander prefetch
        self.calls("   ")
        self.say("\n2. The modal Slack shows @alice:")
        self.block(self.modal_lines(view))
        return view

    def submit(self, view: dict[str, Any]) -> None:
        from bot.emulators.personas import ALICE, BOB
        from bot.emulators.slack.inbound import declare_form_values

        stack = self.stack
        form: dict[str, Any] = {
            "title": TITLE,
            "severity": "SEV-2",
            "commander": ALICE,
            "impacted": True,
            "scope": "EU customers cannot check out",
            "summary": "Checkout returns 5xx for 30% of requests since 14:02 UTC.",
            "people": [BOB],
            "handles": "@pagerduty-payments",
        }
        self.say("\n3. @alice fills it in and presses Declare:")
        self.block([f"{k}: {self.readable(v)}" for k, v in form.items()])
        self.mark = time.monotonic()
        response = stack.submit(view, declare_form_values(**form))
        action = response.json().get("response_action") if response.content else None
        self.say(f"   Slack → bot  view_submission; bot → Slack HTTP {response.status_code}")
        self.say(f"                response_action={action}: the modal now says “Declaring…”")
        stack.wait_done(timeout=15.0)
        stack.slack.wait_for("/api/views.update", timeout=5.0)
        self.say("\n4. What the bot did next, in order:")
        self.calls("   ", declaring=True)

    def calls(self, indent: str, *, declaring: bool = False) -> None:
        """Every Web API and Datadog call since `mark`, with the details worth reading."""
        slack = [("Slack", r) for r in self.stack.slack.requests]
        datadog = [("Datadog", r) for r in self.stack.datadog.requests]
        seen = sorted((c for c in slack + datadog if c[1].received_at >= self.mark), key=_when)
        for service, request in seen:
            if service == "Slack":
                self.slack_call(indent, request, declaring)
            else:
                self.datadog_call(indent, request)
        self.mark = time.monotonic()

    def slack_call(self, indent: str, request: Request, declaring: bool = False) -> None:
        from bot.emulators.slack.arguments import decode_json_fields

        method = request.path.removeprefix("/api/")
        raw = request.json() if "json" in (request.header("content-type") or "") else request.form()
        args = decode_json_fields(dict(raw or {}))
        where = _channel(args.get("channel"))
        if method == "chat.postMessage":
            kind = "thread reply" if args.get("thread_ts") else "message"
            self.say(f"{indent}bot → Slack  chat.postMessage: {kind} in {where}")
            self.block(self.message_lines(args))
        elif method == "chat.update" and declaring:  # the placeholder, now the card
            self.say(
                f"{indent}bot → Slack  chat.update: the announcement in {where}, completed in place"
            )
            self.block(self.message_lines(args))
        elif method == "chat.update":
            listed = any(
                e.get("type") == "checkboxes"
                for b in args.get("blocks") or []
                for e in b.get("elements") or []
            )
            what = "the to-do list" if listed else "the card"
            self.say(f"{indent}bot → Slack  chat.update: {what} in {where}, edited in place")
            self.block(self.message_lines(args))
        elif method == "views.update":
            self.say(f"{indent}bot → Slack  views.update: the modal now shows")
            self.block(self.modal_lines(args.get("view") or {}))
        else:
            detail = ", ".join(
                f"{k}={v}" for k, v in args.items() if k in ("user", "users", "channel")
            )
            self.say(f"{indent}bot → Slack  {method}" + (f" ({detail})" if detail else ""))

    def datadog_call(self, indent: str, request: Request) -> None:
        query = "&".join(f"{k}={v[-1]}" for k, v in request.query.items())
        self.say(
            f"{indent}bot → Datadog {request.method} {request.path}"
            + (f"?{query}" if query else "")
        )
        if request.raw_body:
            self.say(f"{indent}              exact request body, pretty-printed:")
            self.block(json.dumps(request.json(), indent=2, ensure_ascii=False).splitlines())

    def message_lines(self, args: dict[str, Any]) -> list[str]:
        lines = [f"text: {self.mrkdwn(str(args.get('text', '')))}"]
        for block in args.get("blocks") or []:
            kind = block.get("type")
            if kind == "header":
                lines.append(f"▌ {block['text']['text']}")
            elif kind == "section":
                if block.get("text"):
                    lines += self.mrkdwn(block["text"]["text"]).split("\n")
                for item in block.get("fields") or []:
                    lines.append(self.mrkdwn(item["text"]).replace("\n", " "))
            elif kind == "context":
                lines.append(" · ".join(self.mrkdwn(e.get("text", "")) for e in block["elements"]))
            elif kind == "actions":
                for element in block["elements"]:
                    if element.get("type") == "checkboxes":  # the to-do list
                        done = {o["value"] for o in element.get("initial_options", [])}
                        for option in element["options"]:
                            box = "☑" if option["value"] in done else "☐"
                            about = option.get("description", {}).get("text", "")
                            lines.append(
                                f"{box} {option['text']['text']}" + (f" ({about})" if about else "")
                            )
                        continue
                    url = element.get("url")
                    lines.append(f"[{element['text']['text']}]" + (f" → {url}" if url else ""))
        return lines

    def readable(self, value: object) -> str:
        if isinstance(value, list):
            return ", ".join(self.readable(v) for v in value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return self.mrkdwn(f"<@{value}>") if str(value) in self.names else str(value)

    def modal_lines(self, view: dict[str, Any]) -> list[str]:
        title = (view.get("title") or {}).get("text", "")
        lines = [f"“{title}”"]
        for block in view.get("blocks") or []:
            if block.get("type") == "input":
                element = block.get("element") or {}
                options = element.get("initial_options") or []
                initial = (
                    element.get("initial_value")
                    or (element.get("initial_option") or {}).get("text", {}).get("text")
                    or ", ".join(o["text"]["text"] for o in options)
                    or (element.get("initial_user") and self.readable(element["initial_user"]))
                )
                label = block["label"]["text"] + ("" if block.get("optional") else " *")
                lines.append(f"  {label}" + (f"  [{initial}]" if initial else ""))
            elif block.get("type") == "section":
                lines.append("  " + self.mrkdwn(block["text"]["text"]))
            elif block.get("type") == "context":
                lines += ["  ℹ " + e.get("text", "") for e in block.get("elements") or []]
        return lines

    def mrkdwn(self, text: str) -> str:
        """Enough mrkdwn to read: <@U1> → @name, <#C1> → #name, <url|label> → label (url)."""
        text = re.sub(r"<@(\w+)>", lambda m: "@" + self.names.get(m.group(1), m.group(1)), text)
        text = re.sub(r"<#(\w+)(\|[^>]*)?>", lambda m: _channel(m.group(1)), text)
        text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _when(call: tuple[str, Request]) -> float:
    return call[1].received_at


def _channel(channel: object) -> str:
    from bot.emulators.personas import CHANNELS

    name = CHANNELS.get(str(channel), (None,))[0]
    return f"#{name}" if name else str(channel)
