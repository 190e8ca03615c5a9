"""Block Kit checks of the Slack emulator: what Slack refuses, and the block_ids it adds.

Judged by slack_sdk's own models, so a view or message the emulator accepts is one
Slack's SDK can read back.
"""

from __future__ import annotations

import copy
import secrets
import string
from typing import Any

from slack_sdk.models.blocks import Block


def block_errors(blocks: Any, pointer: str, *, limit: int) -> list[str]:
    """Why Slack would refuse these blocks, judged by slack_sdk's own models; [] if fine.

    slack_sdk drops unknown block/element types silently, so dropped typed objects are
    detected by comparing what went in with what the model serialises back.
    """
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    if len(blocks) > limit:
        return [f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]"]
    errors: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(blocks):
        where = f"{pointer}/{index}"
        block_id = raw.get("block_id") if isinstance(raw, dict) else None
        if isinstance(block_id, str) and block_id in seen:  # Slack: ids unique per surface
            errors.append(f"[ERROR] duplicate block_id [json-pointer:{where}/block_id]")
        if isinstance(block_id, str):
            seen.add(block_id)
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                errors.append(f"[ERROR] unsupported block type [json-pointer:{where}]")
                continue
            errors.extend(_dropped(raw, parsed.to_dict(), where))
        except Exception as exc:  # noqa: BLE001 - any model failure is a schema error
            errors.append(f"[ERROR] {exc} [json-pointer:{where}]")
    return errors


def _dropped(given: Any, kept: Any, pointer: str) -> list[str]:
    if isinstance(given, dict) and isinstance(kept, dict):
        errors: list[str] = []
        for key, value in given.items():
            if isinstance(value, dict | list):
                if kept.get(key) is None and _typed(value):
                    errors.append(f"[ERROR] unsupported type [json-pointer:{pointer}/{key}]")
                else:
                    errors.extend(_dropped(value, kept.get(key), f"{pointer}/{key}"))
        return errors
    if isinstance(given, list) and isinstance(kept, list):
        errors = []
        for index, value in enumerate(given):
            other = kept[index] if index < len(kept) else None
            if other is None and _typed(value):
                errors.append(f"[ERROR] unsupported type [json-pointer:{pointer}/{index}]")
            else:
                errors.extend(_dropped(value, other, f"{pointer}/{index}"))
        return errors
    return []


def _typed(value: Any) -> bool:
    if isinstance(value, dict):
        return "type" in value
    return isinstance(value, list) and any(isinstance(v, dict) and "type" in v for v in value)


def with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slack gives every block without one a short random block_id; so do we."""
    out = copy.deepcopy(blocks)
    used = {b.get("block_id") for b in out}
    alphabet = string.ascii_letters + string.digits
    for block in out:
        while not block.get("block_id"):
            candidate = "".join(secrets.choice(alphabet) for _ in range(5))
            if candidate not in used:
                block["block_id"] = candidate
                used.add(candidate)
    return out
