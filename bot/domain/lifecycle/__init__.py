"""After the announcement: the card, and updates, resolves and reopens from Slack carried out
exactly once.
"""
