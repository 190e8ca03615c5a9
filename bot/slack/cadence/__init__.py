"""Status updates, reminders and the stakeholder channel in Slack."""
