"""The sync's notes in Slack about changes made in Datadog."""
