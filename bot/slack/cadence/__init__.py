"""Cadence in Slack: Post update (its modal, `/declare update`), reminders, stakeholders."""
