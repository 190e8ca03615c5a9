"""How an incident looks in Slack: the live card, shared by declaring (the announcement) and
the lifecycle (its edits, /declare list)."""
