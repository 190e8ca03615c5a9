"""Request checks for the Datadog emulator: the official client models as oracle, and search.

The datadog-api-client models encode the spec's oneOfs and enums. Deserializing a body
that matches none of a oneOf's shapes does not raise: the node is flagged `_unparsed`.
So we walk the model tree and report the deepest flagged node with its JSON path.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
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
    except Exception as exc:  # ApiTypeError / ApiValueError / ApiAttributeError
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


# --- search ------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One search term: `key:value`, `key:(a OR b)`, or free text when `key` is None."""

    key: str | None
    values: tuple[str, ...]
    negate: bool = False


_TOKEN = re.compile(
    r"""(?P<neg>-?)(?:
        (?P<key>[A-Za-z_][\w.]*):(?:\((?P<group>[^)]*)\)|"(?P<kq>[^"]*)"|(?P<kv>\S+))
        |"(?P<phrase>[^"]*)"
        |(?P<word>\S+)
    )""",
    re.VERBOSE,
)


def parse_query(query: str) -> list[Term]:
    """Split a search query into terms; bare `AND`/`OR` between terms are ignored."""
    terms: list[Term] = []
    for m in _TOKEN.finditer(query):
        negate = bool(m["neg"])
        if m["key"]:
            if m["group"] is not None:
                values = tuple(
                    v.strip().strip('"') for v in re.split(r"\s+OR\s+", m["group"]) if v.strip()
                )
            else:
                values = (m["kq"] if m["kq"] is not None else m["kv"],)
            terms.append(Term(m["key"], values, negate))
        elif m["phrase"] is not None:
            terms.append(Term(None, (m["phrase"],), negate))
        elif m["word"] not in ("AND", "OR"):
            terms.append(Term(None, (m["word"],), negate))
    return terms


def _same(actual: object, wanted: str) -> bool:
    if isinstance(actual, bool):
        return wanted.lower() == str(actual).lower()
    if isinstance(actual, list):
        return any(_same(item, wanted) for item in actual)
    return actual is not None and str(actual).lower() == wanted.lower()


def _term_matches(attrs: dict[str, Any], term: Term) -> bool:
    if term.key is None:
        title = str(attrs.get("title") or "").lower()
        return term.values[0].lower() in title
    fields = attrs.get("fields") or {}
    if term.key in attrs and not isinstance(attrs[term.key], dict):
        actual = attrs[term.key]
    elif term.key in fields:
        actual = fields[term.key].get("value")
    else:
        return False
    return any(_same(actual, wanted) for wanted in term.values)


def matches(incident: dict[str, Any], terms: list[Term]) -> bool:
    """True when every term holds for the incident (terms are ANDed)."""
    attrs = incident["attributes"]
    return all(_term_matches(attrs, t) != t.negate for t in terms)
