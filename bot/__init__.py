"""declare-bot: declare Datadog incidents from Slack with /declare."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("declare-bot")
    """From the installed package's metadata: pyproject.toml is the one source."""
except PackageNotFoundError:  # a bare source tree that was never installed
    __version__ = "0+unknown"
