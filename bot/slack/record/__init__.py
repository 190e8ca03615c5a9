"""Adding Slack messages to an incident, to-dos, and the postmortem, in Slack."""
