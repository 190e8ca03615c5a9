"""The access policy's Slack side: who a person is and who is in which conversation, and the
allowlists.
"""
