"""Following changes made outside Slack (Datadog's UI and API) onto the cards."""
