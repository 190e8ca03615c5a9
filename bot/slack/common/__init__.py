"""What every Slack-facing feature shares: the Web API client, payload reading, mrkdwn, ids,
scopes, people, and the listeners' collaborators.
"""
