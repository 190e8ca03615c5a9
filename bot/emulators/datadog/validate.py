"""Request body checks for the Datadog emulator: the official client models as oracle.

The datadog-api-client models encode the spec's oneOfs and enums. Deserializing a body
that matches none of a oneOf's shapes does not raise: the node is flagged `_unparsed`.
So we walk the model tree and report the deepest flagged node with its JSON path.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any, cast

from datadog_api_client import Configuration, model_utils

# The client is typed but these two are not annotated; cast so strict mypy accepts the calls.
_convert = cast(Callable[..., Any], model_utils.validate_and_convert_types)
_configuration = cast(Callable[[], Any], Configuration)
_MISSING = re.compile(r"^(\w+)\.__init__\(\) missing \d+ required \w+ arguments?: (.+)$")

Path = tuple[str | int, ...]


def model_error(body: object, model: type[Any]) -> str | None:
    """None when `body` deserializes cleanly into `model`, else a specific message."""
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    try:
        parsed = _convert(copy.deepcopy(body), (model,), ["body"], True, True, _configuration())
    except TypeError as exc:
        found = _MISSING.match(str(exc))
        if found:
            return f"{found.group(1)}: missing required property {found.group(2)}"
        return f"Invalid request body: {exc}"
    except Exception as exc:  # noqa: BLE001 - ApiTypeError / ApiValueError / ApiAttributeError
        return f"Invalid request body: {exc}"
    bad = _unparsed_paths(parsed, ())
    if not bad:
        return None
    path, node = max(bad, key=lambda item: len(item[0]))
    where = _dotted(path)
    raw = _lookup(body, path)
    allowed = getattr(type(node), "allowed_values", None)
    if allowed:
        options = ", ".join(sorted(str(a) for a in allowed))
        return f"{where}: {json.dumps(raw)} is not an allowed value (allowed: {options})"
    return f"{where}: {json.dumps(raw)[:300]} matches none of the documented shapes"


def _unparsed_paths(node: object, path: Path) -> list[tuple[Path, object]]:
    found: list[tuple[Path, object]] = []
    if isinstance(node, model_utils.OpenApiModel):
        state = node.__dict__
        if state.get("_unparsed"):
            found.append((path, node))
        names: dict[str, str] = getattr(node, "attribute_map", {}) or {}
        for key, value in (state.get("_data_store") or {}).items():
            found += _unparsed_paths(value, (*path, names.get(key, key)))
        for inner in state.get("_composed_instances") or []:
            found += _unparsed_paths(inner, path)
    elif isinstance(node, dict):
        for key, value in node.items():
            found += _unparsed_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _unparsed_paths(value, (*path, index))
    return found


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "body"


def _lookup(body: object, path: Path) -> object:
    node = body
    for part in path:
        try:
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return node
