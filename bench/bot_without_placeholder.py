"""`python -m bench.bot_without_placeholder`: the bot as before issue 15, for side by side.

The same `python -m bot`, with `RunnerPolicy(placeholder=False)`: the announcement is
posted once the incident exists (create, then post, then reply), as main did.
"""

from __future__ import annotations

import sys
from typing import Any

import bot.services
from bot.cli import main
from bot.domain.reliability.policy import RunnerPolicy

_build = bot.services.build_services


def _without_placeholder(settings: Any, **kwargs: Any) -> Any:
    kwargs["runner_policy"] = RunnerPolicy(placeholder=False)
    return _build(settings, **kwargs)


if __name__ == "__main__":
    bot.services.build_services = _without_placeholder  # cli.run imports it when it runs
    sys.exit(main())
