"""Exponential backoff with full jitter, the one formula every retry in the bot uses.

Full jitter (a uniform wait between 0 and the capped exponential) spreads retries of many
clients apart, so a surge does not come back in lockstep.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def full_jitter(
    attempt: int,
    base: float,
    cap: float,
    rand: Callable[[float, float], float] = random.uniform,
) -> float:
    """Seconds to wait before retry number `attempt` (0-based): U(0, min(cap, base * 2**n))."""
    return rand(0.0, min(cap, base * 2**attempt))
