"""What an incident is, whichever feature touches it: the validated declaration, the org's
configuration, the incident as shown and what changed on it.
"""
