"""declare-bot: declare Datadog incidents from Slack with /declare."""

__version__ = "0.1.0"
