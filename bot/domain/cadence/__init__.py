"""Cadence: status updates, the reminders that ask for them, and when each is due."""
