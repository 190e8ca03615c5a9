"""`declare-bot check`: a doctor that tries the real setup and says how to fix what fails.

Checks, in order (reads only; nothing is left behind):
  configuration → Slack bot token (auth.test) → its scopes (x-oauth-scopes) →
  app token (apps.connections.open, Socket Mode only) → Datadog API key for the site
  (GET /api/v1/validate) → application key reads users, incidents and incident types →
  monitors (optional: ⚠ without monitors_read) → DECLARE_MONITOR_SEVERITY against the
  org's severities → paging (optional: ⚠ without teams_read, oncall_page) → incident
  links → the store (SQLite: can it be created and written; Redis: PING, and whether it
  persists).
Prints ✓, ⚠ or ✗ per check, a fix under each ✗ and ⚠, and exits 1 when anything failed;
a ⚠ (e.g. a scope only an unused option needs) informs without failing.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from bot.check.checklist import Checklist, Item
from bot.check.config_checks import check_config, config_ok
from bot.check.datadog_checks import check_datadog, check_links
from bot.check.slack_checks import check_app_token, check_bot_token
from bot.check.store_checks import check_store
from bot.config import Settings

__all__ = ["Checklist", "Item", "check_links", "run_check"]


def run_check(
    settings: Settings | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    env_file: str | Path | None = ".env",
    out: TextIO | None = None,
) -> int:
    """Print the checklist; 0 when every check passed, else 1."""
    out = out or sys.stdout
    print("declare-bot check\n", file=out)
    if settings is None:
        settings, config = check_config(environ, env_file)
    else:
        config = config_ok(settings)
    checklist = Checklist(out, settings.secret_values() if settings else [])
    checklist.add(config)
    if settings is not None:
        for item in check_bot_token(settings):
            checklist.add(item)
        checklist.add(check_app_token(settings))
        for item in check_datadog(settings):
            checklist.add(item)
        checklist.add(check_links(settings))
        checklist.add(check_store(settings))
    passed, warned, failed, skipped = (checklist.count(s) for s in ("ok", "warn", "fail", "skip"))
    total = passed + warned + failed + skipped
    if failed or skipped:
        summary = f"{failed} of {total} checks failed" + (f", {skipped} skipped" if skipped else "")
        print(f"\n{summary}: fix each ✗ and run `declare-bot check` again.", file=out)
        return 1
    warnings = f" ({warned} with a warning ⚠: read it)" if warned else ""
    print(
        f"\nAll {total} checks passed{warnings}. Start the bot with `make run` or `declare-bot`.",
        file=out,
    )
    return 0
