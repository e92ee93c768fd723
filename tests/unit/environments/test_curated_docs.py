"""The curated environments table in docs/environments.md lists every curated environment."""

from __future__ import annotations

from pathlib import Path

from basalt.environments import CURATED_TABLE

DOC = Path(__file__).resolve().parents[3] / "docs" / "environments.md"


def test_every_curated_environment_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for entry in CURATED_TABLE:
        assert f"| `{entry.name}` |" in text, f"{entry.name} is missing from {DOC.name}"
        for requirement in entry.requirements:
            assert f"`{requirement}`" in text, f"{entry.name}: {requirement} is not documented"
