"""Declaring from a Datadog monitor alert: reading the alert, its form, opening and filling it."""
