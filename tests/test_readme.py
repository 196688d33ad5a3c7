"""The README's guarantees name tests that exist (so a renamed test cannot orphan a promise)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def guarantees() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Guarantees", 1)[1].split("\n## ", 1)[0]


def test_every_guarantee_names_existing_tests():
    section = guarantees()
    bullets = [b for b in section.split("\n- ")[1:]]
    assert len(bullets) >= 6
    for bullet in bullets:
        references = re.findall(r"`((?:\w+/)*test_\w+\.py)::(test_\w+)`", bullet)
        assert references, f"a guarantee without a test: {bullet[:60]!r}"
        for file, name in references:
            tree = ast.parse((ROOT / "tests" / file).read_text(encoding="utf-8"))
            names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
            assert name in names, f"README names {file}::{name}, which does not exist"


def test_the_guarantees_cover_what_the_issue_asks():
    section = guarantees().lower()
    for topic in (
        "nan policy",
        "mask convention",
        "fully masked rows",
        "determinism",
        "limits",
        "no lost files",
    ):
        assert f"**{topic}" in section, topic
