"""The incident search query language of the Datadog emulator (a documented subset of Datadog's).

See `IncidentRoutes._search` for the grammar; parsing and matching live here so the
route reads as the API, not as a parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


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
