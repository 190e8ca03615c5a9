"""The incident channel over Slack, and what it adds when the incident changes."""
