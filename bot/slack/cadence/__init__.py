<<<<<<< HEAD
"""Cadence in Slack: Post update (its modal, `/declare update`), reminders, stakeholders."""
=======
"""Status updates, reminders and the stakeholder channel in Slack."""
>>>>>>> main
