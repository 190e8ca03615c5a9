"""Declaring from Slack: /declare, the form, its submission, Retry, the message shortcut, and
the announcement.
"""
