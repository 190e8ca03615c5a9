"""Slack-facing code: listeners, Block Kit builders, and the Slack side of the domain's ports."""
