"""Keeping the record: Slack messages added to an incident, and its to-dos."""
