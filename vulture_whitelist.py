"""Names vulture (`make lint`) sees no reader for, though something does read them.

Each group says who: pydantic serialises wire fields, http.server and socketserver read
class attributes, the Datadog emulator dispatches to route handlers by name, pytest
passes fixtures by parameter name.
"""

# ruff: noqa

_ = object()

# Datadog wire fields: written into request bodies by pydantic's model_dump.
_.cell_type
_.customer_impact_scope
_.incident_type_uuid
_.initial_cells
_.notification_handles
_.commander_user
_.redirect_url
_.integration_type
_.included
_.service_account

# Kept in the stored record for people reading a declaration (and `declare-bot` logs).
_.commander_email

# http.server / socketserver settings, read by the standard library.
_.protocol_version
_.disable_nagle_algorithm
_.close_connection
_.daemon_threads
_.allow_reuse_address

# Datadog emulator routes: bot/emulators/datadog/server.py maps paths to these names.
_._create_incident
_._get_incident
_._get_monitor
_._update_incident
_._list_incidents
_._search
_._add_integration
_._list_integrations
_._validate
_._list_users
_._get_user
_._list_types
_._list_fields
_._list_roles
_._list_responders
_._add_responder
_._remove_responder
_._list_teams
_._page_incident
_._list_attachments
_._create_attachment
_._list_todos
_._create_todo
_._update_todo
_._delete_todo
_._list_attachments
_._create_postmortem

# slack_sdk's SocketModeClient option, set on the instance the tests drive.
_.auto_reconnect_enabled

# logging.LogRecord.msg, rewritten by the redacting filter.
_.msg

# pytest fixtures requested by parameter name.
_.restore_logging
_.watching

# prometheus_client calls a collector's describe() and collect() at registration and scrape.
_.describe
_.collect

# Bolt calls a Middleware's process(req=, resp=, next=) by keyword: the name is Bolt's.
_.resp

# Datadog emulator status page routes (bot/emulators/datadog/server.py maps paths to these).
_._get_status_page
_._list_degradations
_._create_degradation
_._update_degradation

# A component status Datadog serves (maintenance windows), read from pages, never sent.
_.MAINTENANCE
# Request model fields pydantic serialises (the postmortem's cells and template, on the wire).
_.definition
_.postmortem_template_id

# Protocol parameters other features' implementations read (bot/slack/common/sections.py).
_.submission_key
