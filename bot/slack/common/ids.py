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

# the live card (bot/slack/incident/card.py)
HEADER_BLOCK = "incident_card_header"
DETAILS_BLOCK = "incident_card_details"
ACTIONS_BLOCK = "incident_card_actions"
UPDATE_ACTION = "incident_card_update"
RESOLVE_ACTION = "incident_card_resolve"
REOPEN_ACTION = "incident_card_reopen"
RESPONDERS_BLOCK = "incident_card_responders"
STAFF_BLOCK = "incident_card_staff"
"""The card's second row of buttons: staffing the response (bot/slack/responders/)."""
ADD_RESPONDER_ACTION = "incident_card_add_responder"
REMOVE_RESPONDER_ACTION = "incident_card_remove_responder"
TAKE_COMMAND_ACTION = "incident_card_take_command"
POSTMORTEM_ACTION = "incident_card_postmortem"
"""A resolved card's Postmortem: drafts it in Datadog, or opens it once drafted."""
POSTMORTEM_BLOCK = "incident_resolve_postmortem"
"""The resolve modal's "Draft the postmortem" checkbox (its action id too)."""

# the announcement before the incident exists
STATUS_BLOCK = "incident_placeholder_status"

# the lifecycle: an update's Retry, /declare list's Update, the update and resolve modals
UPDATE_RETRY_ACTION = "incident_update_retry"
CHORE_RETRY_ACTION = "incident_chore_retry"
ADD_RESPONDER_CALLBACK = "incident_add_responder_modal"
REMOVE_RESPONDER_CALLBACK = "incident_remove_responder_modal"
RESPONDER_PERSON = "responder_person"
RESPONDER_ROLE = "responder_role"
RESPONDER_PICK = "responder_pick"
NOTICE_BLOCK = "incident_status_notice"
"""The card's line linking the public notice on the status page."""
"""Retry of a failed chore (a responder, a page, a to-do…): resumes the same stored chore."""
LIST_UPDATE_ACTION = "incident_list_update"
"""The list's Update button: opens the same update modal as the card's Update."""
UPDATE_CALLBACK = "incident_update_modal"
RESOLVE_CALLBACK = "incident_resolve_modal"

# paging (bot/slack/responders/page_*.py, docs/paging.md)
PAGE_ACTION = "incident_card_page"
PAGE_CALLBACK = "incident_page_modal"
PAGE_TEAM_BLOCK = "page_team"
PAGE_PERSON_BLOCK = "page_person"
PAGE_MESSAGE_BLOCK = "page_message"
PAGE_AGAIN_ACTION = "incident_page_again"
"""Page again, after a page that failed or may have been sent: a new page, by choice."""

# the Home tab (bot/slack/home/)
HOME_DECLARE_ACTION = "home_declare"
"""The Home tab's Declare incident button: opens the declare form."""
HOME_OPEN_CARD_ACTION = "home_open_card"
"""The Home tab's link to an incident's card (a URL button: acked, nothing else)."""
HOME_PAGE_ACTION = "home_page"
"""The Home tab's Page: the card's Page modal, for the incident its signed value names."""
HOME_CALLBACK = "declare_bot_home"
# cadence: Post update, its modal, the reminders' buttons (bot/slack/cadence/)
POST_UPDATE_ACTION = "incident_card_post_update"
STATUS_CALLBACK = "incident_status_modal"
STATUS_LINE_BLOCK = "incident_card_status"
STATUS_TEXT = "status_text"
STATUS_STATE = "status_state"
STATUS_SEVERITY = "status_severity"
STATUS_NEXT = "status_next"
REMINDER_UPDATE_ACTION = "reminder_post_update"
REMINDER_SNOOZE_ACTION = "reminder_snooze"
REMINDER_STOP_ACTION = "reminder_stop"
# the record (bot/slack/record/): the message shortcuts, the to-do modal and list
CAPTURE_SHORTCUT = "add_to_incident"
"""The "Add to incident" message shortcut (both manifests)."""
TODO_SHORTCUT = "add_as_todo"
"""The "Add as to-do" message shortcut (both manifests)."""
CAPTURE_CALLBACK = "record_capture_modal"
"""The incident picker of "Add to incident" used outside an incident's channel or thread."""
TODO_ACTION = "incident_card_todo"
"""The card's Add to-do button."""
TODO_CALLBACK = "record_todo_modal"
TODO_CHECK_ACTION = "record_todo_check"
"""Prefix of the to-do list's checkboxes (one element per ten to-dos: `…_0`, `…_1`)."""
