"""docs/architecture.md stays true: every repo path it names in backticks exists.

A path is a backticked word that starts with bot/, tests/, bench/, manifests/ or docs/, or is
pyproject.toml; `*` in it must match at least one file. When a file moves, this test names
the line of the doc to update.
"""

from __future__ import annotations

import re

from tests.conftest import ROOT

DOC = ROOT / "docs" / "architecture.md"
PATH = re.compile(r"(?:(?:bot|tests|bench|manifests|docs)/[\w./*-]*|pyproject\.toml)")


def named_paths() -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), start=1):
        for span in re.findall(r"`([^`]+)`", line):
            found += [(number, path.rstrip(".")) for path in PATH.findall(span)]
    return found


def test_the_architecture_doc_names_paths() -> None:
    """The extraction works: the doc names the layers' packages and the contracts' file."""
    paths = {path for _, path in named_paths()}
    assert {"bot/slack", "bot/domain", "bot/datadog", "bot/store", "pyproject.toml"} <= paths


def test_every_path_in_the_architecture_doc_exists() -> None:
    missing = [
        f"docs/architecture.md:{number}: {path}"
        for number, path in named_paths()
        if not (any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists())
    ]
    assert not missing, "paths that no longer exist:\n" + "\n".join(missing)
