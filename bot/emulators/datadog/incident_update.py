"""PATCH of an incident in the Datadog emulator: Datadog's merge rules, and edits "in the UI".

A partial update, as the spec says ("provide only the attributes that should be updated"):
- attributes not sent stay as they were; `fields` are merged key by key, and a value of
  null, "" or [] clears that field (severity falls back to UNKNOWN; state cannot be cleared);
- `relationships.commander_user` sets the commander, or with `data: null` removes it;
  `integrations` and `postmortem` relationships are accepted and not modelled;
- the top-level `severity` and `state` follow their fields; entering resolved/completed
  sets `resolved` (and `time_to_resolve`), leaving them clears it;
- customer impact turned on needs a scope (same rule as create), starts the impact if no
  start was given, and an impact end must not be before its start;
- every accepted PATCH moves `modified` (strictly later, even a PATCH that changes no
  value: the emulator takes the stricter reading, so clients must compare values, not only
  `modified`) and sets `last_modified_by` to the acting user.
A refused PATCH changes nothing. The answer copies the recorded 200: users embedded and
`*_uuid` filled, and `relationships.commander_user` still as it was before this PATCH.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from datadog_api_client.v2.model.incident_update_request import IncidentUpdateRequest

from bot.emulators.datadog.org_shapes import JSON, now_iso, user_ref
from bot.emulators.datadog.state import SENT_AS, DatadogState, DeclareError, field_problem
from bot.emulators.datadog.validate import model_error

CLOSED_STATES = frozenset({"resolved", "completed"})
_CLEARED: tuple[object, ...] = (None, "", [])
_COPIED = (
    "title",
    "customer_impacted",
    "customer_impact_scope",
    "customer_impact_start",
    "customer_impact_end",
    "detected",
)
_TIMESTAMPS = frozenset({"customer_impact_start", "customer_impact_end", "detected"})
_UUID_OF = ("last_modified_by", "created_by", "declared_by")


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _stored(name: str, value: object) -> object:
    """Timestamps as Datadog writes them (`+00:00`, microseconds); the rest as sent."""
    moment = _when(value) if name in _TIMESTAMPS else None
    return moment.astimezone(UTC).isoformat() if moment else copy.deepcopy(value)


def _later_than(previous: object) -> str:
    """Now, but strictly after `previous`, so every change moves `modified`."""
    now = datetime.now(UTC)
    before = _when(previous)
    if before is not None and now <= before:
        now = before + timedelta(microseconds=1)
    return now.isoformat()


class IncidentUpdates(DatadogState):
    """The update rules, the record of accepted PATCH bodies and edits made "in the UI"."""

    def _init_state(self) -> None:
        super()._init_state()
        self._patches: list[tuple[str, JSON]] = []

    def updated_bodies(self, incident_id: str | None = None) -> list[JSON]:
        """Bodies of every accepted PATCH (optionally of one incident), in order."""
        with self.lock:
            return [copy.deepcopy(b) for i, b in self._patches if incident_id in (None, i)]

    def edit_incident(
        self,
        key: str | int,
        *,
        by: str,
        attributes: JSON | None = None,
        commander: str | None = "",
    ) -> JSON:
        """Change an incident as user `by` would in Datadog's UI; returns it as GET shows it.

        `attributes` uses the PATCH body's shape (`{"fields": {"severity": {...}}}`, ...);
        `commander` is a user id, None to remove the commander, "" (default) to leave it.
        The same rules as a PATCH apply (DeclareError if Datadog would refuse).
        """
        data: JSON = {"type": "incidents", "id": str(key)}
        if attributes:
            data["attributes"] = copy.deepcopy(attributes)
        if commander != "":
            data["relationships"] = {"commander_user": user_ref(commander)}
        problem = model_error({"data": data}, IncidentUpdateRequest)
        if problem:
            raise DeclareError(400, problem)
        with self.lock:
            if by not in self.users:
                raise KeyError(f"unknown user {by!r}")
            incident = self.find_incident(str(key))
            if incident is None:
                raise KeyError(key)
            self.apply_update(incident, {"data": data}, by, record=False)
            return copy.deepcopy(incident)

    def apply_update(
        self, incident: JSON, body: JSON, actor_id: str, *, record: bool = True
    ) -> JSON:
        """Merge a body the client models accepted into `incident` (in place, all or nothing).

        Returns the commander relationship as it was before, for the recorded answer.
        """
        with self.lock:
            data = body["data"]
            public_id = incident["attributes"]["public_id"]
            if str(data.get("id")) not in (incident["id"], str(public_id)):
                raise DeclareError(400, "data.id does not match the incident in the path")
            sent = data.get("attributes") or {}
            rel = data.get("relationships") or {}
            before: JSON = copy.deepcopy(incident["relationships"]["commander_user"])
            attrs = copy.deepcopy(incident["attributes"])
            relationships = copy.deepcopy(incident["relationships"])
            if "title" in sent and not str(sent["title"]).strip():
                raise DeclareError(400, "title must not be empty")
            was_impacted = bool(attrs.get("customer_impacted"))
            for name in _COPIED:
                if name in sent:
                    attrs[name] = _stored(name, sent[name])
            if "notification_handles" in sent:
                attrs["notification_handles"] = copy.deepcopy(sent["notification_handles"]) or None
            self._merge_fields(attrs, sent.get("fields") or {})
            _impact_rules(attrs, was_impacted, "customer_impact_start" in sent)
            if "commander_user" in rel:
                ref = (rel["commander_user"] or {}).get("data")
                commander = self.users.get(ref["id"]) if ref else None
                if ref and commander is None:
                    raise DeclareError(404, "User not found")
                attrs["commander"] = commander.embedded() if commander else None
                relationships["commander_user"] = user_ref(commander.id if commander else None)
            actor = self.users[actor_id]
            attrs["modified"] = _later_than(attrs.get("modified"))
            attrs["last_modified_by"] = actor.embedded()
            attrs["last_modified_by_uuid"] = actor.id
            relationships["last_modified_by_user"] = user_ref(actor.id)
            incident["attributes"] = attrs
            incident["relationships"] = relationships
            if record:
                self._patches.append((incident["id"], copy.deepcopy(body)))
            return before

    def _merge_fields(self, attrs: JSON, sent: JSON) -> None:
        """Per key: known fields keep their type and valid values; cleared ones become null."""
        known = self.type_fields(attrs.get("incident_type_uuid") or self.default_type_id)
        cleared = {name for name, value in sent.items() if value.get("value") in _CLEARED}
        for field in known:
            if field.name in cleared:
                expected = SENT_AS.get(field.field_type, field.field_type)
                got = sent[field.name].get("type")
                if got != expected:
                    wrong = f"Field '{field.name}' is a {expected} field, not {got}"
                    raise DeclareError(400, wrong)
        if "state" in cleared:
            raise DeclareError(400, "Field 'state' cannot be empty")
        checked = [f for f in known if f.name in sent and f.name not in cleared]
        problem = field_problem(checked, sent)
        if problem:
            raise DeclareError(400, problem)
        fields = attrs.setdefault("fields", {})
        for name, value in sent.items():
            chosen = None if name in cleared else copy.deepcopy(value.get("value"))
            fields[name] = {"type": value.get("type"), "value": chosen}
        attrs["severity"] = (fields.get("severity") or {}).get("value") or "UNKNOWN"
        old_state = attrs.get("state")
        attrs["state"] = (fields.get("state") or {}).get("value") or old_state or "active"
        if attrs["state"] in CLOSED_STATES and not attrs.get("resolved"):
            attrs["resolved"] = now_iso()
            created = _when(attrs.get("created"))
            resolved = _when(attrs["resolved"])
            if created and resolved:
                attrs["time_to_resolve"] = int((resolved - created).total_seconds())
        elif attrs["state"] not in CLOSED_STATES and attrs.get("resolved"):
            attrs["resolved"] = None
            attrs["time_to_resolve"] = 0


def _impact_rules(attrs: JSON, was_impacted: bool, start_sent: bool) -> None:
    scope = attrs.get("customer_impact_scope") or ""
    if attrs.get("customer_impacted") and not scope.strip():
        raise DeclareError(400, "customer_impact_scope is required when customer_impacted is true")
    if attrs.get("customer_impacted") and not was_impacted and not start_sent:
        attrs["customer_impact_start"] = attrs.get("customer_impact_start") or now_iso()
    start = _when(attrs.get("customer_impact_start"))
    end = _when(attrs.get("customer_impact_end"))
    if start and end and end < start:
        raise DeclareError(400, "customer_impact_end must not be before customer_impact_start")
    attrs["customer_impact_duration"] = int((end - start).total_seconds()) if start and end else 0


def patch_view(served: JSON, commander_before: JSON) -> JSON:
    """The recorded PATCH answer: `*_uuid` filled beside the embedded users, and the
    commander relationship as it was before the PATCH (the new one is in `attributes`)."""
    attrs = served["attributes"]
    for key in _UUID_OF:
        user = attrs.get(key)
        if user and user.get("data"):
            attrs[f"{key}_uuid"] = user["data"]["id"]
    served["relationships"]["commander_user"] = commander_before
    return served


__all__ = ["IncidentUpdates", "patch_view"]
