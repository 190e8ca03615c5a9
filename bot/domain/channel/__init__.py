"""The optional incident channel: its mode and its name."""
