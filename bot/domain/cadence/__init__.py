"""Keeping an incident moving: status updates, reminders, the stakeholder channel."""
