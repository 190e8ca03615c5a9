"""Datadog-facing code: the Incidents API client, its models and errors."""

from bot.datadog.client import DatadogClient, RetryPolicy
from bot.datadog.errors import DatadogError

__all__ = ["DatadogClient", "DatadogError", "RetryPolicy"]
