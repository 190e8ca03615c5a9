"""Staffing an incident: responders and their roles, taking command, paging on-call."""
