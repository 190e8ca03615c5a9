"""Declaring from a Datadog monitor alert: the alert, its links, what the form is filled with."""
