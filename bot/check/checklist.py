"""The checklist: one line per check (✓, ⚠ or ✗ with a fix, – skipped), printed as decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from bot.logs import RedactingFilter, hide_userinfo

MARKS = {"ok": "✓", "warn": "⚠", "fail": "✗", "skip": "–"}
"""⚠ is informational: worth reading, but the setup works, so the check still passes."""


@dataclass
class Item:
    """One line of the checklist: ✓, ⚠ or ✗ (with a fix), or – (skipped)."""

    status: str
    title: str
    details: list[str] = field(default_factory=list)
    fix: str = ""


class Checklist:
    """Prints each item as it is decided, with secrets masked just in case."""

    def __init__(self, out: TextIO, secrets: list[str]) -> None:
        self.out = out
        self.items: list[Item] = []
        self._mask = RedactingFilter(secrets)

    def add(self, item: Item) -> Item:
        self.items.append(item)
        lines = [f"  {MARKS[item.status]} {item.title}"]
        lines += [f"      {detail}" for detail in item.details]
        if item.fix:
            lines.append(f"      fix: {item.fix}")
        text = hide_userinfo(self._mask.redact("\n".join(lines)))
        print(text, file=self.out, flush=True)
        return item

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)
