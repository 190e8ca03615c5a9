"""Block, action and callback IDs, defined once for the builders and the parsers."""

from __future__ import annotations

from bot.domain.incident.declaration import FormField

COMMAND = "/declare"
MODAL_CALLBACK = "declare_modal"
MESSAGE_SHORTCUT = "declare_from_message"
RETRY_ACTION = "retry_declaration"
DECLARE_ANYWAY_ACTION = "declare_anyway"
OPEN_INCIDENT_ACTION = "open_incident"
INCIDENT_TYPE_ACTION = "incident_type"
CUSTOM_FIELD_PREFIX = "udf:"
"""Block IDs of org-defined fields: `udf:<field name>`."""

TITLE = "title"
SEVERITY = "severity"
COMMANDER = "commander"
IMPACT = "customer_impacted"
IMPACT_SCOPE = "impact_scope"
SUMMARY = "summary"
SUMMARY_IMPORTANT = "summary_important"
NOTIFY_PEOPLE = "notify_people"
NOTIFY_CHANNELS = "notify_channels"
NOTIFY_HANDLES = "notify_handles"
IS_TEST = "is_test"
INCIDENT_CHANNEL = "incident_channel"
INCIDENT_TYPE = "incident_type"
CONTEXT_LINKS = "context_links"
"""The context block listing the Datadog links that go into the timeline."""

BLOCK_FOR_FIELD: dict[FormField, str] = {
    FormField.TITLE: TITLE,
    FormField.SEVERITY: SEVERITY,
    FormField.COMMANDER: COMMANDER,
    FormField.IMPACT_SCOPE: IMPACT_SCOPE,
    FormField.SUMMARY: SUMMARY,
    FormField.HANDLES: NOTIFY_HANDLES,
    FormField.INCIDENT_TYPE: INCIDENT_TYPE,
}
"""Each block's single element uses the block ID as its action ID too."""
