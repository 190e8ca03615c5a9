"""The card a declaration leaves behind once announced: what the lifecycle then keeps current."""

from __future__ import annotations

from bot.domain.declare.record import DeclarationRecord, Delivered
from bot.domain.incident.state import ACTIVE, IncidentUser, IncidentView
from bot.domain.lifecycle.record import IncidentCard, card_key


def card_of(record: DeclarationRecord) -> IncidentCard | None:
    """The card an announced declaration made (in the channel, a thread, or a DM when the
    channel refused it); None for an ephemeral one, which has no ts to edit."""
    if record.delivered is None or record.delivered is Delivered.EPHEMERAL:
        return None
    if not (record.announce_channel and record.announce_ts and record.incident_id):
        return None
    source_ts = record.declaration.origin.source_ts
    thread_ts = source_ts if record.delivered is Delivered.THREAD and source_ts else None
    return IncidentCard(
        key=card_key(record.announce_channel, record.announce_ts),
        incident_id=record.incident_id,
        channel=record.announce_channel,
        ts=record.announce_ts,
        thread_ts=thread_ts or record.announce_ts,
        team_id=record.declaration.origin.team_id,
        declaration_key=record.key,
        origin_channel=record.declaration.origin.channel_id,
        declared_by=record.declaration.origin.user_id,
        commander_slack_id=record.declaration.commander_id or None,
        shown=declared_view(record),
    )


def declared_view(record: DeclarationRecord) -> IncidentView:
    """The incident as declared, before Datadog is asked again."""
    declaration = record.declaration
    commander = None
    if record.commander_dd_id:
        commander = IncidentUser(
            datadog_id=record.commander_dd_id,
            display=record.commander_email or "",
            email=record.commander_email,
        )
    return IncidentView(
        incident_id=record.incident_id or "",
        public_id=record.public_id or 0,
        title=declaration.title,
        severity=declaration.severity,
        state=ACTIVE,
        commander=commander,
        customer_impacted=declaration.customer_impacted,
        customer_impact_scope=declaration.impact_scope,
        fields=declaration.custom_fields,
        incident_type_id=declaration.incident_type_id,
        is_test=declaration.is_test,
        url=record.incident_url,
    )
