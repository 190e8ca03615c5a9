"""Configuration: the table of settings (`table.py`) and the validated model (`settings.py`).

`from bot.config import Settings, load_settings, SETTINGS, ConfigError` is the public face.
"""

from __future__ import annotations

from bot.config.settings import ConfigError, Settings, load_settings
from bot.config.table import SETTINGS, SettingDoc

__all__ = ["SETTINGS", "ConfigError", "SettingDoc", "Settings", "load_settings"]
