"""How work is handed to the worker pool (the app's `dispatch`), as the runners see it."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

Dispatch = Callable[[str, Callable[[str], object]], "Future[object]"]
"""`dispatch(key, run)`: run `run(key)` on the worker pool; its future."""
