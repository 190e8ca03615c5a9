"""Keeping the incident moving: status updates, reminders, the status page."""
