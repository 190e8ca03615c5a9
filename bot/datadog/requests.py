"""Map a declaration to the Datadog request bodies that carry it."""

from __future__ import annotations

from urllib.parse import urlencode

from bot.datadog.models import (
    FieldValue,
    IncidentCreateAttributes,
    IncidentCreateData,
    IncidentCreateRelationships,
    IncidentCreateRequest,
    IntegrationAttributes,
    IntegrationCreateRequest,
    IntegrationData,
    MarkdownCell,
    MarkdownContent,
    MultipleValueField,
    NotificationHandle,
    RelationshipToUser,
    SingleValueField,
    SlackChannelLink,
    SlackIntegrationMetadata,
    UserRef,
)
from bot.domain.declare.record import DeclarationRecord
from bot.domain.incident.declaration import Declaration, Handle
from bot.domain.incident.org import MULTI_VALUE_KINDS, FieldKind

WIRE_TYPE: dict[FieldKind, str] = {
    **{kind: kind.value for kind in FieldKind},
    FieldKind.NUMBER: "textbox",
    FieldKind.DATETIME: "textbox",
}
"""A field's `type` in a create body: the create schema has no number or datetime, so textbox."""
SINGLE_VALUE_KINDS = frozenset(FieldKind) - MULTI_VALUE_KINDS


def slack_link(team_id: str, channel_id: str) -> str:
    """A link that opens the channel in the person's Slack, whatever the workspace domain."""
    return "https://slack.com/app_redirect?" + urlencode({"channel": channel_id, "team": team_id})


def provenance_markdown(declaration: Declaration) -> str:
    """The timeline cell that says where the incident came from, with the declaration key."""
    origin = declaration.origin
    who = origin.user_name or origin.user_id
    where = f"#{origin.channel_name}" if origin.channel_name else origin.channel_id
    link = origin.source_permalink or slack_link(origin.team_id, origin.channel_id)
    lines = [f"Declared from Slack by {who} in {where} ([open in Slack]({link}))."]
    if origin.source_permalink:
        lines.append(f"Source message: {origin.source_permalink}")
    for url in declaration.context_links:
        lines.append(f"Context: {url}")
    lines.append(f"Declaration key: `{declaration.key}`")
    return "\n\n".join(lines)


def _field(kind: FieldKind, values: tuple[str, ...]) -> FieldValue:
    if kind in SINGLE_VALUE_KINDS:
        return SingleValueField(type=WIRE_TYPE[kind], value=values[0])
    return MultipleValueField(type=WIRE_TYPE[kind], value=list(values))


def create_request(
    declaration: Declaration, commander_id: str, handles: tuple[Handle, ...]
) -> IncidentCreateRequest:
    """The POST /api/v2/incidents body for this declaration."""
    fields: dict[str, FieldValue] = {
        "severity": SingleValueField(type="dropdown", value=declaration.severity)
    }
    for custom in declaration.custom_fields:
        if custom.values:
            fields[custom.name] = _field(custom.kind, custom.values)
    cells: list[MarkdownCell] = []
    if declaration.summary:
        cells.append(
            MarkdownCell(
                content=MarkdownContent(content=declaration.summary),
                important=declaration.summary_important,
            )
        )
    cells.append(MarkdownCell(content=MarkdownContent(content=provenance_markdown(declaration))))
    if declaration.monitor_cell:  # after the two cells every declaration has, in their order
        cells.append(
            MarkdownCell(content=MarkdownContent(content=declaration.monitor_cell), important=True)
        )
    return IncidentCreateRequest(
        data=IncidentCreateData(
            attributes=IncidentCreateAttributes(
                title=declaration.title,
                customer_impacted=declaration.customer_impacted,
                customer_impact_scope=(
                    declaration.impact_scope if declaration.customer_impacted else None
                ),
                fields=fields,
                incident_type_uuid=declaration.incident_type_id,
                initial_cells=cells,
                is_test=declaration.is_test,
                notification_handles=[
                    NotificationHandle(handle=h.handle, display_name=h.display_name)
                    for h in handles
                ]
                or None,
            ),
            relationships=IncidentCreateRelationships(
                commander_user=RelationshipToUser(data=UserRef(id=commander_id))
            ),
        )
    )


def slack_integration_request(
    record: DeclarationRecord, permalink: str
) -> IntegrationCreateRequest:
    """Register the announcement's channel and thread on the incident (integration_type 1)."""
    origin = record.declaration.origin
    channel_id = record.announce_channel or origin.channel_id
    channel_name = f"#{origin.channel_name}" if origin.channel_name else channel_id
    if record.channel is not None and record.channel.id == channel_id:  # the incident channel
        channel_name = f"#{record.channel.name}"
    return IntegrationCreateRequest(
        data=IntegrationData(
            attributes=IntegrationAttributes(
                integration_type=1,
                metadata=SlackIntegrationMetadata(
                    channels=[
                        SlackChannelLink(
                            channel_id=channel_id,
                            channel_name=channel_name,
                            redirect_url=permalink or slack_link(origin.team_id, channel_id),
                            team_id=origin.team_id,
                        )
                    ]
                ),
            )
        )
    )
