"""Keeping the record: Slack messages added to an incident, to-dos, the postmortem."""
