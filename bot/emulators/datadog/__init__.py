"""The Datadog API, emulated on loopback: incidents, users, incident config and monitors.

`server` routes and authorizes requests and injects faults (`faults`); the org and its
declare rules live in `state`, the update (PATCH merge) rules in `incident_update`, the
JSON it serves in the `*_shapes` modules, and request bodies are checked against
datadog-api-client's models in `validate`.
"""

from bot.emulators.datadog.server import DatadogEmulator

__all__ = ["DatadogEmulator"]
