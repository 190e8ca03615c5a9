"""Responders, roles, taking command and paging, from the card."""
