"""Responders: the people working an incident beside its commander, and their roles."""
